"""Ask the model for one stage output and parse it, re-asking on unusable replies.

A reply the stage parser rejects is sent back with the parser's
``model_message`` (what was wrong, what format is expected) for another
attempt; after ``attempts`` tries the stage fails with a clear error. A
placeholder is never substituted for output the model did not give.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from devussy_git.errors import InvalidLLMOutputError
from devussy_git.llm import LLMClient, LLMRequest

__all__ = ["Answer", "ask"]

T = TypeVar("T")


@dataclass(frozen=True)
class Answer(Generic[T]):
    """A parsed model reply and what it cost."""

    value: T
    text: str
    model: str
    tokens_in: int
    tokens_out: int
    attempts: int


async def ask(
    client: LLMClient,
    *,
    stage: str,
    messages: Sequence[Mapping[str, str]],
    context: Mapping[str, Any],
    parse: Callable[[str], T],
    attempts: int = 3,
    json_mode: bool = False,
) -> Answer[T]:
    """Send ``messages``; parse the reply; re-ask with the parser's complaint."""
    history = [dict(m) for m in messages]
    tokens_in = tokens_out = 0
    last_error: InvalidLLMOutputError | None = None
    model = client.profile.model
    for attempt in range(1, attempts + 1):
        reply = await client.complete(
            LLMRequest(messages=list(history), stage=stage, context=context, json_mode=json_mode)
        )
        tokens_in += reply.tokens_in
        tokens_out += reply.tokens_out
        model = reply.model
        try:
            # Parsers are pure but can take tens of milliseconds on a large reply:
            # keep them off the event loop so a bot stays responsive.
            value = await asyncio.to_thread(parse, reply.text)
        except InvalidLLMOutputError as exc:
            last_error = exc
            history.append({"role": "assistant", "content": reply.text})
            history.append(
                {
                    "role": "user",
                    "content": "Your reply could not be used:\n"
                    f"{exc.model_message}\n\nReply again with the whole answer in the "
                    "required format.",
                }
            )
            continue
        return Answer(value, reply.text, model, tokens_in, tokens_out, attempt)
    assert last_error is not None
    raise InvalidLLMOutputError(
        f"The model's {stage} reply could not be used after {attempts} attempts: "
        f"{last_error.user_message}",
        model_message=last_error.model_message,
    ) from last_error
