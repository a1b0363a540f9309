"""Every corpus reply through ``pipeline.ask`` with the stage's real parser.

Usable replies are accepted on the first try; unusable ones are re-asked and,
sent again every time, refused cleanly after the last attempt. Reasoning never
survives into what a stage would commit. (The same corpus goes through
litellm's HTTP path in tests/integration/pipeline/test_reply_corpus_http.py.)
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest

from devussy_git.errors import InvalidLLMOutputError
from devussy_git.llm import LLMProfile, LLMRequest, Reply
from devussy_git.pipeline.ask import ask
from tests.support.reply_corpus import PARSERS, CorpusReply, corpus

ATTEMPTS = 3


@dataclass
class FakeRepeatingClient:
    """Answers every request with the same reply, as a stubborn model would."""

    text: str
    finish_reason: str
    profile: LLMProfile = field(default_factory=lambda: LLMProfile(provider="openai", model="corpus"))
    requests: list[LLMRequest] = field(default_factory=list)

    async def complete(self, request: LLMRequest) -> Reply:
        self.requests.append(request)
        return Reply(self.text, "corpus", 10, 10, finish_reason=self.finish_reason)


def reasoning_lines(text: str) -> list[str]:
    """Substantial lines of the reply's reasoning (before ``</think>``)."""
    head, closed, _ = text.partition("</think>")
    if not closed:
        return []
    return [line.strip() for line in head.splitlines() if len(line.strip()) >= 25]


def rendered(value: object) -> str:
    return repr(value)


async def run(reply: CorpusReply) -> tuple[FakeRepeatingClient, Any]:
    client = FakeRepeatingClient(reply.text, reply.finish_reason)
    try:
        answer = await ask(
            client,
            stage=reply.stage,
            messages=[{"role": "user", "content": "go"}],
            context={},
            parse=PARSERS[reply.stage],
            attempts=ATTEMPTS,
        )
    except InvalidLLMOutputError as exc:
        return client, exc
    return client, answer


USABLE = [r for r in corpus() if r.usable]
UNUSABLE = [r for r in corpus() if not r.usable]


@pytest.mark.parametrize("reply", USABLE, ids=lambda r: r.name)
async def test_a_usable_reply_is_accepted_on_the_first_try(reply: CorpusReply) -> None:
    client, outcome = await run(reply)
    assert not isinstance(outcome, InvalidLLMOutputError), outcome.model_message
    assert len(client.requests) == 1
    value = rendered(outcome.value)
    assert not re.search(r"</?think", value, re.IGNORECASE)
    for line in reasoning_lines(reply.text):
        assert line not in value, f"reasoning reached the result: {line!r}"


@pytest.mark.parametrize("reply", UNUSABLE, ids=lambda r: r.name)
async def test_an_unusable_reply_is_re_asked_then_refused(reply: CorpusReply) -> None:
    client, outcome = await run(reply)
    assert isinstance(outcome, InvalidLLMOutputError), f"accepted: {outcome!r}"[:500]
    assert len(client.requests) == ATTEMPTS
    assert f"{reply.stage}" in outcome.user_message or "could not be used" in outcome.user_message
    # every re-ask tells the model what was wrong
    retry: Sequence[object] = client.requests[1].messages
    assert "could not be used" in str(retry[-1])


def test_the_corpus_has_a_dozen_replies_per_stage() -> None:
    for stage in PARSERS:
        replies = corpus(stage)
        assert len(replies) >= 12, f"{stage}: {len(replies)} replies"
        assert any(r.usable for r in replies) and any(not r.usable for r in replies), stage
