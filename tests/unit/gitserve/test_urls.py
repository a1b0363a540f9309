"""Clone URLs and commands shown to people."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

from devussy_git.config import Secret
from devussy_git.errors import InvalidInputError, NotFoundError
from devussy_git.gitserve import CloneAccess, clone_info


@pytest.fixture
def access(tmp_path: Path) -> CloneAccess:
    (tmp_path / "shop-api.git").mkdir()
    return CloneAccess(tmp_path, Secret("s" * 64))


def test_private_project_gets_token_url_and_safer_forms(access: CloneAccess) -> None:
    info = clone_info(access, "https://plans.example.com/", "shop-api")
    token = access.token_for("shop-api")
    assert not info.public
    assert info.plain_url == "https://plans.example.com/git/shop-api.git"
    assert info.url == f"https://x:{token}@plans.example.com/git/shop-api.git"
    assert info.commands[0] == f"git clone {info.url}"
    assert "http.extraHeader=Authorization: Basic " in shlex.split(info.commands[1])[3]
    assert info.commands[1].endswith(info.plain_url)
    assert "credential.helper=" in info.commands[2] and info.commands[2].endswith(info.plain_url)
    assert token not in repr(info)


def test_public_project_needs_no_credentials(access: CloneAccess) -> None:
    access.set_public("shop-api", True)
    info = clone_info(access, "http://127.0.0.1:8000", "shop-api")
    assert info.public and info.url == info.plain_url == "http://127.0.0.1:8000/git/shop-api.git"
    assert info.commands == ["git clone http://127.0.0.1:8000/git/shop-api.git"]


def test_prefix_path_kept_and_credentials_in_the_setting_dropped(access: CloneAccess) -> None:
    info = clone_info(access, "http://admin:pw@host:9000/devussy", "shop-api")
    assert info.plain_url == "http://host:9000/devussy/git/shop-api.git"
    assert "admin" not in " ".join(info.commands) and "pw@" not in info.url


@pytest.mark.parametrize("url", ["ftp://host", "host:8000", "", "http://"])
def test_bad_public_url_is_refused(access: CloneAccess, url: str) -> None:
    with pytest.raises(InvalidInputError):
        clone_info(access, url, "shop-api")


def test_unknown_project_is_not_found(access: CloneAccess) -> None:
    with pytest.raises(NotFoundError):
        clone_info(access, "http://host", "nope")
