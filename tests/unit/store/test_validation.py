"""Pure checks on names: project ids, file paths, ref and tag names, identities."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from devussy_git.errors import InvalidInputError, InvalidProjectIdError
from devussy_git.store import (
    PROJECT_ID_RE,
    Identity,
    validate_path,
    validate_project_id,
    validate_ref_name,
    validate_tag_name,
)
from devussy_git.store.validation import validate_identity, validate_rev

BAD_IDS = {
    "empty": "",
    "upper_case": "Shop",
    "traversal": "../etc",
    "slash": "a/b",
    "dot_git": "shop.git",
    "leading_dash": "-shop",
    "underscore": "shop_api",
    "space": "shop api",
    "too_long": "a" * 64,
    "unicode": "café",
    "newline": "shop\n",
    "dot": ".",
    "nul": "a\x00b",
}


@pytest.mark.parametrize("name", sorted(BAD_IDS))
def test_bad_project_ids_are_refused(name: str) -> None:
    with pytest.raises(InvalidProjectIdError) as err:
        validate_project_id(BAD_IDS[name])
    assert "project id" in err.value.user_message


@pytest.mark.parametrize("good", ["a", "shop-api", "0", "a" * 63, "x1-2-3"])
def test_good_project_ids_pass(good: str) -> None:
    assert validate_project_id(good) == good


def test_non_text_project_id_is_refused() -> None:
    with pytest.raises(InvalidProjectIdError):
        validate_project_id(7)


@given(st.text(max_size=70))
def test_project_id_check_is_the_regex(text: str) -> None:
    if PROJECT_ID_RE.fullmatch(text):
        assert validate_project_id(text) == text
    else:
        with pytest.raises(InvalidProjectIdError):
            validate_project_id(text)


BAD_PATHS = {
    "empty": "",
    "absolute": "/etc/passwd",
    "dotdot": "../x.md",
    "inner_dotdot": "a/../../x.md",
    "dot": "./x.md",
    "dot_git": ".git/config",
    "inner_dot_git": "a/.git/hooks/x",
    "dot_git_upper": "a/.GIT/x",
    "backslash": "a\\b.md",
    "nul": "a\x00.md",
    "control": "a\nb.md",
    "trailing_slash": "dir/",
    "double_slash": "a//b.md",
    "surrogate": "bad\udcff.md",
    "too_long": "a/" * 600 + "x",
}


@pytest.mark.parametrize("name", sorted(BAD_PATHS))
def test_bad_paths_are_refused(name: str) -> None:
    with pytest.raises(InvalidInputError) as err:
        validate_path(BAD_PATHS[name])
    assert "Invalid file path" in err.value.user_message


@pytest.mark.parametrize("good", ["devplan.md", "phases/phase1.md", "é/naïve file.md", ".hidden.md", "a.git.md"])
def test_good_paths_pass(good: str) -> None:
    assert validate_path(good) == good


BAD_REFS = [
    "main",
    "refs/heads",
    "refs/tags/a..b",
    "refs/tags/a b",
    "refs/tags/a~1",
    "refs/tags/a^",
    "refs/tags/a:b",
    "refs/tags/a?",
    "refs/tags/a*",
    "refs/tags/a[",
    "refs/tags/a\\b",
    "refs/tags/.hidden",
    "refs/tags/x.lock",
    "refs/tags/x/",
    "refs/tags/x.",
    "refs/tags//x",
    "refs/tags/a@{1}",
    "refs/tags/a\x00",
    "refs/tags/a\x7f",
]


@pytest.mark.parametrize("name", BAD_REFS)
def test_bad_ref_names_are_refused(name: str) -> None:
    with pytest.raises(InvalidInputError):
        validate_ref_name(name)


@pytest.mark.parametrize("good", ["refs/proposals/abc-1", "refs/heads/main", "refs/tags/run/2024-01-01_x"])
def test_good_ref_names_pass(good: str) -> None:
    assert validate_ref_name(good) == good


@pytest.mark.parametrize("bad", ["", "refs/tags/x", "../x", "run/../x", "run/x.lock", "a b"])
def test_bad_tag_names_are_refused(bad: str) -> None:
    with pytest.raises(InvalidInputError):
        validate_tag_name(bad)


@pytest.mark.parametrize("bad", ["", "-x", "--output=/tmp/x", "a\nb", "x" * 300])
def test_bad_revisions_are_refused(bad: str) -> None:
    with pytest.raises(InvalidInputError):
        validate_rev(bad)


@pytest.mark.parametrize(
    "identity", [Identity("", "a@b"), Identity("A", ""), Identity("A <x>", "a@b"), Identity("A", "a@b\n")]
)
def test_identities_git_cannot_record_are_refused(identity: Identity) -> None:
    with pytest.raises(InvalidInputError):
        validate_identity(identity, "author")
