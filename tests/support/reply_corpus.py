"""The reply corpus: model replies to every stage, each marked usable or not.

``fixtures/llm/<stage>/`` holds one reply per file, written the way real models
answer the project's prompts (GPT-4o, Claude, Llama 3, Qwen, GLM, DeepSeek-R1
distills). The name says what it is:

- ``ok-*``  usable: must be accepted on the first try;
- ``bad-*`` unusable: must be refused (re-asked) every time, never committed.

A name containing ``truncated`` is served with ``finish_reason: "length"`` (the
provider cut it off); every other reply with ``"stop"``. Each stage's parse
function is the one the pipeline calls, with the context the corpus replies
were written for (the shop-api interview; phase files for phase 2; handoff-next
replies for the first task of the shop-api plan the offline provider builds).

Used by the unit test (``ask`` with a fake client), the integration test (``ask``
through litellm's HTTP path against the scripted server) and
``bench/bench_replies.py``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from devussy_git.plan import parse_design, parse_devplan_outline, parse_phase_tasks, parse_validation
from devussy_git.plan.complexity import parse_complexity_refinement, score_complexity

ROOT = Path(__file__).resolve().parents[2]
LLM = ROOT / "fixtures" / "llm"
#: The phase every ``phase/`` reply details.
PHASE_NUMBER = 2


@dataclass(frozen=True)
class CorpusReply:
    """One reply of the corpus."""

    stage: str
    path: Path
    #: True for ``ok-*`` (accept on the first try), False for ``bad-*`` (refuse).
    usable: bool

    @property
    def name(self) -> str:
        return f"{self.stage}/{self.path.name}"

    @property
    def finish_reason(self) -> str:
        return "length" if "truncated" in self.path.name else "stop"

    @property
    def text(self) -> str:
        # newline="" keeps CRLF replies as the model sent them.
        with self.path.open(encoding="utf-8", newline="") as handle:
            return handle.read()


@cache
def _interview() -> Any:
    from devussy_git.plan import validate_answers

    return validate_answers(json.loads((ROOT / "fixtures" / "interviews" / "shop-api.json").read_text()))


def _complexity(text: str) -> Any:
    return parse_complexity_refinement(text, score_complexity(_interview()))


def _handoff(text: str) -> Any:
    from tests.support.handoff_corpus import parse_handoff_reply

    return parse_handoff_reply(text)


#: Stage directory -> the parse function the pipeline uses there.
PARSERS: dict[str, Callable[[str], Any]] = {
    "complexity": _complexity,
    "design": parse_design,
    "validation": parse_validation,
    "outline": lambda text: parse_devplan_outline(text),
    "phase": lambda text: parse_phase_tasks(text, PHASE_NUMBER),
    "handoff": _handoff,
}


def corpus(stage: str | None = None) -> list[CorpusReply]:
    """Every corpus reply (of one stage), in a stable order."""
    stages = [stage] if stage else list(PARSERS)
    found: list[CorpusReply] = []
    for name in stages:
        folder = LLM / name
        if not folder.is_dir():
            continue
        for path in sorted(folder.iterdir()):
            if path.name.startswith(("ok-", "bad-")) and path.is_file():
                found.append(CorpusReply(name, path, path.name.startswith("ok-")))
    return found
