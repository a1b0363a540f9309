"""Pure message handling: cleanup, subject/body split, trailer formatting."""

from __future__ import annotations

import pytest

from devussy_git.errors import InvalidInputError
from devussy_git.store.trailers import (
    build_message,
    canonical_trailers,
    normalize_trailers,
    parse_trailers,
    split_message,
)


def test_trailers_form_a_final_paragraph() -> None:
    message = build_message("design: generate\n\nBody text.\nNote: prose", {"Devussy-Stage": "design"})
    assert message == "design: generate\n\nBody text.\nNote: prose\n\nDevussy-Stage: design\n"
    assert parse_trailers(message) == [("Devussy-Stage", "design")]


def test_merge_joins_an_existing_trailer_block() -> None:
    message = build_message("s\n\nDevussy-Stage: x\n", [("Devussy-Run", "r")], merge=True)
    assert message == "s\n\nDevussy-Stage: x\nDevussy-Run: r\n"


def test_a_patch_divider_line_cannot_hide_the_trailers() -> None:
    message = build_message("s\n\n---\nmore", {"Devussy-Stage": "x"})
    assert message == "s\n\n ---\nmore\n\nDevussy-Stage: x\n"
    assert parse_trailers(message) == [("Devussy-Stage", "x")]


def test_cleanup_trims_and_squeezes() -> None:
    assert build_message("  \nsubject  \n\n\n\nbody\t\n\n") == "subject\n\nbody\n"
    assert build_message("subject\r\nline2") == "subject\nline2\n"


@pytest.mark.parametrize("bad", ["", "   \n\n", "a\x00b"])
def test_messages_without_subject_or_with_nul_are_refused(bad: str) -> None:
    with pytest.raises(InvalidInputError):
        build_message(bad)


@pytest.mark.parametrize(
    "trailers",
    [[("Bad Name", "x")], [("Devussy-Stage", "")], [("Devussy-Stage", "a\nb")], [("", "x")], [("Devussy-Run", 3)]],
)
def test_bad_trailers_are_refused(trailers: list[tuple[str, object]]) -> None:
    with pytest.raises(InvalidInputError):
        normalize_trailers(trailers)


def test_known_names_are_spelled_canonically() -> None:
    assert normalize_trailers([("devussy-stage", " revert ")]) == [("Devussy-Stage", "revert")]
    assert canonical_trailers([("DEVUSSY-RUN", "a"), ("Devussy-Run", "b"), ("Other", "c")]) == {
        "Devussy-Run": "b",
        "Other": "c",
    }


def test_subject_and_body_follow_git_log() -> None:
    assert split_message("one\ntwo\n\nbody\n\nDevussy-Stage: x\n") == ("one two", "body\n\nDevussy-Stage: x")
    assert split_message("only\n") == ("only", "")
