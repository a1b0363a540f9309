"""The reply corpus through litellm's real HTTP path, against the scripted server.

Each reply is served as a real chat completion (with its finish_reason);
``pipeline.ask`` with the real client and the stage's parser must accept a
usable one on the first request and re-ask an unusable one until it gives up.
"""

from __future__ import annotations

import pytest

from devussy_git.errors import InvalidLLMOutputError
from devussy_git.llm import LiteLLMClient
from devussy_git.pipeline.ask import ask
from tests.support.llm_server import ScriptedLLMServer, Text
from tests.support.reply_corpus import PARSERS, CorpusReply, corpus

ATTEMPTS = 2
MESSAGES = [{"role": "system", "content": "You plan."}, {"role": "user", "content": "go"}]


@pytest.mark.parametrize("reply", corpus(), ids=lambda r: r.name)
async def test_each_reply_through_litellm(llm_server: ScriptedLLMServer, reply: CorpusReply) -> None:
    llm_server.route(lambda body: Text(reply.text, finish_reason=reply.finish_reason))
    client = LiteLLMClient(llm_server.profile(), wait_initial_s=0.01)
    try:
        answer = await ask(
            client, stage=reply.stage, messages=MESSAGES, context={}, parse=PARSERS[reply.stage], attempts=ATTEMPTS
        )
    except InvalidLLMOutputError as exc:
        assert not reply.usable, f"refused a usable reply: {exc.model_message}"
        assert len(llm_server.requests) == ATTEMPTS
        return
    assert reply.usable, f"accepted an unusable reply: {answer.value!r}"[:500]
    assert answer.attempts == 1 and len(llm_server.requests) == 1
    assert "</think>" not in answer.text
