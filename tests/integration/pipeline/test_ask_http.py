"""``pipeline.ask`` through litellm's real HTTP path: what is never used, and is re-asked.

A reply cut off at the output limit, an empty one, and one that is only
reasoning are refused whatever they hold and asked again inside the same
retry loop as any unusable reply; reasoning never reaches the parser.
"""

from __future__ import annotations

import pytest

from devussy_git.errors import InvalidLLMOutputError
from devussy_git.llm import LiteLLMClient
from devussy_git.pipeline.ask import ask
from tests.support.llm_server import ScriptedLLMServer, Text

MESSAGES = [{"role": "system", "content": "You plan."}, {"role": "user", "content": "Design it."}]
GOOD = "## Objectives\nShip it.\n"


def _client(server: ScriptedLLMServer) -> LiteLLMClient:
    return LiteLLMClient(server.profile(), wait_initial_s=0.01)


def _parse(text: str) -> str:
    """A stage parser that accepts any text starting with a heading."""
    if not text.lstrip().startswith("#"):
        raise InvalidLLMOutputError("no heading", model_message="Start with a heading.")
    return text


async def _ask(server: ScriptedLLMServer, attempts: int = 3) -> tuple[str, int]:
    answer = await ask(_client(server), stage="design", messages=MESSAGES, context={}, parse=_parse, attempts=attempts)
    return answer.value, answer.attempts


async def test_a_truncated_reply_is_re_asked_even_when_it_would_parse(
    llm_server: ScriptedLLMServer,
) -> None:
    llm_server.enqueue(Text("## Objectives\nShip the", finish_reason="length"), Text(GOOD))
    value, attempts = await _ask(llm_server)
    assert (value, attempts) == (GOOD, 2)
    retry = llm_server.requests[1].body["messages"]
    assert "cut off at the output token limit" in retry[-1]["content"]
    # the cut-off text is not sent back: only the original messages and the note
    assert [m["role"] for m in retry] == ["system", "user", "user"]


@pytest.mark.parametrize("content", [None, "", "  \n", "<think>\nThe user wants a design.\n</think>\n"])
async def test_an_empty_reply_is_re_asked_not_fatal(llm_server: ScriptedLLMServer, content: str | None) -> None:
    llm_server.enqueue(Text(content), Text(GOOD))
    assert await _ask(llm_server) == (GOOD, 2)
    assert "answer itself was missing" in llm_server.requests[1].body["messages"][-1]["content"]


@pytest.mark.parametrize(
    "reply",
    [
        "<think>\nLet me plan. # not a heading\n</think>\n\n" + GOOD,
        "Okay, the user wants a design. I will use FastAPI.\n</think>\n\n" + GOOD,
        "<thinking>hmm</thinking>" + GOOD,
    ],
)
async def test_reasoning_never_reaches_the_parser(llm_server: ScriptedLLMServer, reply: str) -> None:
    llm_server.enqueue(Text(reply))
    value, attempts = await _ask(llm_server)
    assert attempts == 1
    assert value.strip() == GOOD.strip()


async def test_after_the_last_attempt_the_error_names_stage_and_problem(
    llm_server: ScriptedLLMServer,
) -> None:
    llm_server.enqueue(*(Text("## Obj", finish_reason="length") for _ in range(2)))
    with pytest.raises(InvalidLLMOutputError) as caught:
        await _ask(llm_server, attempts=2)
    assert "design reply could not be used after 2 attempts" in caught.value.user_message
    assert "cut off" in caught.value.user_message
    assert len(llm_server.requests) == 2
