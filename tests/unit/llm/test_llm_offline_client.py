"""The offline client: deterministic replies from a responder, no network."""

from __future__ import annotations

import sys
import types
from collections.abc import Mapping
from typing import Any

import pytest

from devussy_git.errors import InvalidLLMOutputError
from devussy_git.llm import (
    LiteLLMClient,
    LLMProfile,
    LLMRequest,
    OfflineClient,
    estimate_tokens,
    make_client,
)


def echo(stage: str, context: Mapping[str, Any]) -> str:
    return f"# {stage}\nproject: {context.get('project', '?')}\n"


async def test_reply_comes_from_the_responder_by_stage_and_context() -> None:
    client = OfflineClient(responder=echo)
    request = LLMRequest(
        messages=[{"role": "system", "content": "x" * 10}, {"role": "user", "content": "y" * 7}],
        stage="design",
        context={"project": "shop-api"},
    )
    reply = await client.complete(request)
    assert reply.text == "# design\nproject: shop-api\n"
    assert reply.model == "offline"
    assert reply.tokens_in == 5  # ceil(17 / 4)
    assert reply.tokens_out == estimate_tokens(len(reply.text))
    assert client.profile.provider == "offline"


async def test_the_same_request_gives_the_same_reply() -> None:
    client = OfflineClient(responder=echo)
    request = LLMRequest(messages=[], stage="phase", context={"project": "p"})
    assert await client.complete(request) == await client.complete(request)


async def test_an_empty_offline_reply_is_invalid_output() -> None:
    client = OfflineClient(responder=lambda stage, context: "  \n")
    with pytest.raises(InvalidLLMOutputError, match="handoff-next"):
        await client.complete(LLMRequest(messages=[], stage="handoff-next"))


@pytest.mark.parametrize(("chars", "tokens"), [(0, 0), (1, 1), (4, 1), (5, 2), (400, 100)])
def test_token_estimate_rounds_up(chars: int, tokens: int) -> None:
    assert estimate_tokens(chars) == tokens


def test_make_client_picks_the_client_by_provider() -> None:
    offline = make_client(LLMProfile("offline", "offline"), on_retry=lambda n, e: None)
    assert isinstance(offline, OfflineClient)
    remote = make_client(LLMProfile("openai", "gpt-4o-mini"))
    assert isinstance(remote, LiteLLMClient)
    assert remote.profile.model == "gpt-4o-mini"


def test_a_responder_for_a_network_provider_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="offline"):
        make_client(LLMProfile("openai", "m"), responder=echo)


async def test_the_default_responder_is_the_offline_content(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[tuple[str, dict[str, Any]]] = []

    def offline_reply(stage: str, context: Mapping[str, Any]) -> str:
        calls.append((stage, dict(context)))
        return "from the offline content"

    fake = types.ModuleType("devussy_git.llm.offline.replies")
    fake.offline_reply = offline_reply  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "devussy_git.llm.offline.replies", fake)
    reply = await OfflineClient().complete(LLMRequest(messages=[], stage="complexity", context={"k": 1}))
    assert reply.text == "from the offline content"
    assert calls == [("complexity", {"k": 1})]


def test_the_litellm_client_refuses_the_offline_profile() -> None:
    with pytest.raises(ValueError, match="OfflineClient"):
        LiteLLMClient(LLMProfile("offline", "offline"))
