"""Trailers the store writes and parses agree with ``git interpret-trailers --parse``."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from devussy_git.store import Identity, PlanRepo, parse_trailers
from devussy_git.store.trailers import build_message, canonical_trailers

MESSAGES = {
    "plain": "design: generate project design\n\nDevussy-Stage: design\nDevussy-Run: r-1\n",
    "subject_only_looks_like_trailer": "Devussy-Stage: design\n",
    "body_not_trailers": "subject\n\nThis is prose: with a colon.\nAnd another line.\n",
    "continuation": "s\n\nDevussy-Tokens: in=10,\n  out=20\nDevussy-Actor: cli:ann\n",
    "mixed_block_no_git_prefix": "s\n\nDevussy-Stage: x\nnot a trailer line\n",
    "signed_off_quarter": "s\n\nsome text\nmore text\nSigned-off-by: A <a@b>\nDevussy-Run: 7\n",
    "space_before_colon": "s\n\nDevussy-Stage : revert\n",
    "comment_lines": "s\n\nDevussy-Stage: a\n# a comment\nDevussy-Run: b\n",
    "divider": "s\n\nDevussy-Stage: a\n---\nDevussy-Run: b\n",
    "trailing_blank_lines": "s\n\nDevussy-Stage: a\n\n\n",
    "two_blocks": "s\n\nDevussy-Stage: a\n\nDevussy-Stage: b\nDevussy-Task: 1.3\n",
    "lowercase_names": "s\n\ndevussy-stage: x\nDEVUSSY-RUN: y\n",
    "repeated_key": "s\n\nDevussy-Step: 1\nDevussy-Step: 2\n",
    "word_then_space": "s\n\nNot a: trailer\n",
    "continuation_keeps_inner_space": "s\n\nA:x \n  y\n",
    "form_feed_is_not_space": "s\n\nDevussy-Run: a\x0c\nDevussy-Task:\x0c1\n",
    "blank_continuation_splits_paragraph": "s\n\nA: x\n  \n  y\n",
    "conflicts_block_ignored": "s\n\nDevussy-Stage: a\n\nConflicts:\n\tfile.md\n",
}


def _git_parse(git, repo: PlanRepo, message: str) -> list[tuple[str, str]]:
    out = git("interpret-trailers", "--parse", cwd=repo.path, input=message)
    pairs = []
    for line in out.split("\n"):  # git prints "token: value"; only "\n" ends a line
        if line:
            token, _, value = line.partition(":")
            pairs.append((token, value.removeprefix(" ")))
    return pairs


@pytest.mark.parametrize("name", sorted(MESSAGES))
def test_parse_agrees_with_git(name: str, repo: PlanRepo, git) -> None:
    message = MESSAGES[name]
    assert parse_trailers(message) == _git_parse(git, repo, message)


def test_committed_trailers_parse_the_same(repo: PlanRepo, author: Identity, git) -> None:
    trailers = [
        ("Devussy-Stage", "handoff-next"),
        ("Devussy-Run", "run-42"),
        ("Devussy-Task", "1.3"),
        ("Devussy-Step", "3"),
        ("Devussy-Model", "offline"),
        ("Devussy-Tokens", "in=120, out=45"),
        ("Devussy-Actor", "discord:1234"),
    ]
    info = repo.commit(
        {"a.md": "x\n"},
        "handoff-next 1.3: add JWT middleware\n\nKey: value lines in the body: are prose here.",
        author=author,
        trailers=trailers,
        expected_head=None,
    )
    raw = git("log", "-1", "--format=%B", info.sha, cwd=repo.path)
    assert _git_parse(git, repo, raw) == trailers
    assert info.trailers == dict(trailers) == repo.get_commit("main").trailers
    assert git("log", "-1", "--format=%(trailers:key=Devussy-Task,valueonly)", cwd=repo.path).strip() == "1.3"


_token = st.sampled_from(["Devussy-Stage", "Devussy-Run", "devussy-task", "Signed-off-by", "X"])
_value = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=12)
_prose = st.text(st.sampled_from("ab :#-\t\x0c\xa0é"), min_size=0, max_size=12)
_line = st.one_of(
    st.tuples(_token, _value).map(lambda t: f"{t[0]}: {t[1]}"),
    _prose,
    _value.map(lambda v: "  " + v),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    body=st.lists(_line, max_size=8),
    trailers=st.lists(st.tuples(_token, _value), max_size=3),
    merge=st.booleans(),
)
def test_built_messages_parse_like_git(
    body: list[str], trailers: list[tuple[str, str]], merge: bool, repo: PlanRepo, git
) -> None:
    message = build_message("subject line\n\n" + "\n".join(body), trailers, merge=merge)
    ours = parse_trailers(message)
    assert ours == _git_parse(git, repo, message)
    if trailers and not merge:
        assert ours == [(canonical_trailers([t]).popitem()) for t in trailers]
    if trailers:
        expected = canonical_trailers(trailers)
        assert {k: v for k, v in canonical_trailers(ours).items() if k in expected} == expected
