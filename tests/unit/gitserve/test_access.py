"""Clone tokens: derived, stable, rotatable, checked in constant time, never stored."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import pytest

from devussy_git.config import Secret
from devussy_git.errors import InvalidInputError, InvalidProjectIdError, NotFoundError, StoreError
from devussy_git.gitserve.access import ACCESS_FILE_NAME, CloneAccess, basic_auth_password


def _basic(password: str, user: str = "x") -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


@pytest.fixture
def root(tmp_path: Path) -> Path:
    for name in ("alpha", "beta"):
        (tmp_path / f"{name}.git").mkdir()
    return tmp_path


@pytest.fixture
def access(root: Path) -> CloneAccess:
    return CloneAccess(root, Secret("k" * 64))


def test_token_is_long_url_safe_and_stable(access: CloneAccess) -> None:
    token = access.token_for("alpha")
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", token)  # 256 bits
    assert access.token_for("alpha") == token
    assert access.token_for("beta") != token


def test_only_the_salt_is_stored_and_a_new_secret_gives_other_tokens(access: CloneAccess, root: Path) -> None:
    token = access.token_for("alpha")
    stored = (root / "alpha.git" / ACCESS_FILE_NAME).read_text()
    assert token not in stored
    assert json.loads(stored).keys() == {"salt", "public"}
    assert CloneAccess(root, Secret("other")).token_for("alpha") != token


def test_check_accepts_the_token_with_any_user(access: CloneAccess) -> None:
    token = access.token_for("alpha")
    assert access.check("alpha", _basic(token))
    assert access.check("alpha", _basic(token, user="someone"))
    assert access.check("alpha", _basic(token, user=""))


@pytest.mark.parametrize(
    "header",
    [None, "", "Basic", "Basic !!!", "Bearer abc", _basic(""), _basic("wrong"), "Basic " + "x" * 10],
)
def test_check_refuses_missing_or_wrong_credentials(access: CloneAccess, header: str | None) -> None:
    access.token_for("alpha")
    assert not access.check("alpha", header)


def test_check_refuses_unknown_and_invalid_projects_without_creating_anything(access: CloneAccess, root: Path) -> None:
    token = access.token_for("alpha")
    assert not access.check("gamma", _basic(token))
    assert not access.check("../alpha", _basic(token))
    assert not access.check("beta", _basic(token))  # no salt yet: nobody holds a token
    assert not (root / "beta.git" / ACCESS_FILE_NAME).exists()
    assert not (root / "gamma.git").exists()


def test_rotate_changes_the_token_and_keeps_public(access: CloneAccess) -> None:
    old = access.token_for("alpha")
    access.set_public("alpha", True)
    new = access.rotate("alpha")
    assert new != old and access.token_for("alpha") == new
    assert access.is_public("alpha")
    access.set_public("alpha", False)
    assert not access.check("alpha", _basic(old))
    assert access.check("alpha", _basic(new))


def test_public_projects_need_no_token(access: CloneAccess) -> None:
    assert not access.is_public("alpha")
    access.set_public("alpha", True)
    assert access.check("alpha", None)
    assert access.check("alpha", _basic("anything"))
    access.set_public("alpha", False)
    assert not access.check("alpha", None)


def test_bad_and_unknown_projects_raise_for_the_admin_verbs(access: CloneAccess) -> None:
    with pytest.raises(InvalidProjectIdError):
        access.token_for("Bad/Id")
    with pytest.raises(NotFoundError):
        access.rotate("gamma")
    with pytest.raises(NotFoundError):
        access.set_public("gamma", True)


def test_damaged_state_is_a_store_error_and_check_fails_closed(access: CloneAccess, root: Path) -> None:
    (root / "alpha.git" / ACCESS_FILE_NAME).write_text('{"salt": 1}')
    with pytest.raises(StoreError):
        access.token_for("alpha")
    assert not access.check("alpha", _basic("anything"))


def test_empty_secret_is_refused(root: Path) -> None:
    with pytest.raises(InvalidInputError, match="secret"):
        CloneAccess(root, Secret(""))


@pytest.mark.parametrize(
    ("header", "password"),
    [
        (_basic("tok"), "tok"),
        (_basic("a:b"), "a:b"),
        ("basic " + base64.b64encode(b"u:p").decode(), "p"),
        ("Basic " + base64.b64encode(b"nocolon").decode(), None),
        (_basic("\u00e9"), "\u00e9"),
    ],
)
def test_basic_auth_password(header: str, password: str | None) -> None:
    assert basic_auth_password(header) == password
