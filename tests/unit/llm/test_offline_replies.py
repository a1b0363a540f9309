"""The offline provider answers byte for byte what it answered when it was recorded.

A project planned offline must get the same plan for the same answers whatever
happens to the code that writes it; ``tests/support/offline_corpus.py`` says what
is recorded and how to record it again when the content is meant to change.
"""

from __future__ import annotations

import json

from tests.support.offline_corpus import RECORDING, case_replies, cases, digest, fixed_replies

RECORDED = json.loads(RECORDING.read_text(encoding="utf-8"))


def test_every_case_replies_as_recorded() -> None:
    changed: list[str] = []
    seen: set[str] = set()
    for name, interview, profile, whole in cases():
        seen.add(name)
        replies = case_replies(interview, profile)
        if whole:
            recorded = RECORDED["full"][name]
            changed += [
                f"{name} {key}"
                for key in sorted(recorded.keys() | replies.keys())
                if replies.get(key) != recorded.get(key)
            ]
        elif digest(replies) != RECORDED["digests"][name]:
            changed.append(name)
    assert changed == []
    assert seen == RECORDED["full"].keys() | RECORDED["digests"].keys()


def test_the_replies_without_an_interview_are_as_recorded() -> None:
    assert fixed_replies() == RECORDED["fixed"]


def test_the_recording_covers_every_stage_and_the_demo() -> None:
    stages = {key.split("/")[0] for case in RECORDED["full"].values() for key in case}
    assert stages == {"complexity", "design", "design-revision", "validation", "devplan", "phase"}
    assert "demo" in RECORDED["full"]
    assert any(text.startswith("!InvalidInputError") for text in RECORDED["fixed"].values())
