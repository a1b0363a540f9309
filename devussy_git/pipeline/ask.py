"""Ask the model for one stage output and parse it, re-asking on unusable replies.

Before the stage parser sees a reply, reasoning (``<think>…</think>``, or
text before a bare ``</think>``) is removed, and a reply the provider cut off
at its output limit (``finish_reason`` = ``length``) or that is empty is
refused whatever it holds. A refused reply is answered with what was wrong and
what format is expected (the parser's ``model_message``) and asked again;
after ``attempts`` tries the stage fails with a clear error naming the stage
and the problem. A placeholder is never substituted for output the model did
not give, and no refused reply ever reaches a commit.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from devussy_git.errors import InvalidLLMOutputError
from devussy_git.llm import LLMClient, LLMRequest, Reply
from devussy_git.plan.textutil import strip_reasoning

__all__ = ["Answer", "ask"]

T = TypeVar("T")


@dataclass(frozen=True)
class Answer(Generic[T]):
    """A parsed model reply and what it cost."""

    value: T
    #: The reply the value was parsed from, without reasoning.
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
        text = strip_reasoning(reply.text)
        try:
            unusable = _unusable(reply, text, stage)
            if unusable is not None:
                raise unusable
            # Parsers are pure but can take tens of milliseconds on a large reply:
            # keep them off the event loop so a bot stays responsive.
            value = await asyncio.to_thread(parse, text)
        except InvalidLLMOutputError as exc:
            last_error = exc
            # A cut-off or empty reply is not repeated back: it would only spend
            # context (and a cut-off one can push the next reply past the limit).
            if text.strip() and not reply.truncated:
                history.append({"role": "assistant", "content": text})
            history.append(
                {
                    "role": "user",
                    "content": "Your reply could not be used:\n"
                    f"{exc.model_message}\n\nReply again with the whole answer in the "
                    "required format.",
                }
            )
            continue
        return Answer(value, text, model, tokens_in, tokens_out, attempt)
    assert last_error is not None
    raise InvalidLLMOutputError(
        f"The model's {stage} reply could not be used after {attempts} attempts: {last_error.user_message}",
        model_message=last_error.model_message,
    ) from last_error


def _unusable(reply: Reply, text: str, stage: str) -> InvalidLLMOutputError | None:
    """Why ``reply`` cannot be used whatever the stage's parser would say, or None."""
    if reply.truncated:
        return InvalidLLMOutputError(
            f"The model's {stage} reply was cut off at its output limit (finish_reason 'length'), so it is incomplete.",
            model_message="Your reply was cut off at the output token limit before it was "
            "complete, so none of it was used. Answer again, complete: keep it shorter "
            "where you can, and leave out any reasoning or commentary.",
        )
    if not text.strip():
        held = "only reasoning" if reply.text.strip() else "nothing"
        return InvalidLLMOutputError(
            f"The model's {stage} reply was empty (it held {held}).",
            model_message=f"Your reply held {held}: the answer itself was missing. Give the answer itself.",
        )
    return None
