"""Shared helpers for the plan domain tests: fixture interviews and LLM replies."""

from __future__ import annotations

import json
from pathlib import Path

from devussy_git.plan import Interview, validate_answers

ROOT = Path(__file__).resolve().parents[3]
INTERVIEWS = sorted((ROOT / "fixtures" / "interviews").glob("*.json"))
LLM = ROOT / "fixtures" / "llm"


def load_interview(name: str) -> Interview:
    path = ROOT / "fixtures" / "interviews" / f"{name}.json"
    return validate_answers(json.loads(path.read_text()))


def llm_fixtures(kind: str, prefix: str) -> list[Path]:
    """The fixture replies of one kind whose names start with ``ok-`` or ``bad-``.

    Replies named ``*truncated*`` are left out: what makes them unusable is the
    provider's ``finish_reason``, which ``pipeline.ask`` checks before any parser
    (tests/unit/pipeline/test_reply_corpus.py covers them).
    """
    return sorted(p for p in (LLM / kind).glob(f"{prefix}-*") if "truncated" not in p.name)


def read_reply(path: Path) -> str:
    # newline="" keeps CRLF fixtures as the model sent them.
    with path.open(encoding="utf-8", newline="") as handle:
        return handle.read()
