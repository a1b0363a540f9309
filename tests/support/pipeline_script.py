"""Per-stage scripting of the pipeline for a :class:`ScriptedLLMServer`.

``PipelineScript(answers)`` answers each request by reading the stage line of
the prompt (``Stage: design``, ``Detail phase 3 of 7``) and replying with the
text the offline provider would give for the same inputs — realistic model
output that goes through litellm's real HTTP path. ``override`` replaces the
reply for a stage (a status, malformed text, a delay) a given number of times.
"""

from __future__ import annotations

import re
from collections import defaultdict, deque
from collections.abc import Mapping
from typing import Any

from devussy_git.llm.offline.replies import offline_reply
from devussy_git.plan import score_complexity, validate_answers
from tests.support.llm_server import ScriptedReply, Text

__all__ = ["PipelineScript", "stage_of"]

_STAGE = re.compile(r"^Stage: ([a-z-]+)", re.MULTILINE)
_PHASE = re.compile(r"Detail phase (\d+) of (\d+)")


def stage_of(body: Mapping[str, Any]) -> str:
    """The stage named by a recorded request's first user message."""
    for message in body.get("messages", []):
        if message.get("role") == "user":
            match = _STAGE.search(str(message.get("content", "")))
            if match:
                return match.group(1)
    return "unknown"


class PipelineScript:
    """A route responder that plays the pipeline's model."""

    def __init__(self, answers: Mapping[str, Any]) -> None:
        interview = validate_answers(answers)
        self.context: dict[str, Any] = {
            "interview": interview.to_dict(),
            "complexity": score_complexity(interview).to_dict(),
        }
        self.context["profile"] = self.context["complexity"]
        self.context["design"] = offline_reply("design", self.context)
        self._overrides: dict[str, deque[ScriptedReply]] = defaultdict(deque)
        self.seen: list[str] = []

    def override(self, stage: str, *replies: ScriptedReply) -> None:
        """Answer the next ``len(replies)`` requests of ``stage`` with ``replies``."""
        self._overrides[stage].extend(replies)

    def reset_overrides(self) -> None:
        """Forget every pending override."""
        self._overrides.clear()

    def __call__(self, body: dict[str, Any]) -> ScriptedReply:
        stage = stage_of(body)
        self.seen.append(stage)
        if self._overrides[stage]:
            return self._overrides[stage].popleft()
        context = dict(self.context)
        if stage == "phase":
            prompt = next(m["content"] for m in body["messages"] if m["role"] == "user")
            match = _PHASE.search(prompt)
            assert match, "phase prompt without its number"
            number, count = int(match.group(1)), int(match.group(2))
            title = re.search(r': "(.*)"\.\n', prompt)
            context["phase"] = {
                "number": number,
                "title": title.group(1) if title else f"Phase {number}",
                "summary": "",
            }
            context["phase_count"] = count
        return Text(offline_reply(stage, context), prompt_tokens=100, completion_tokens=50)
