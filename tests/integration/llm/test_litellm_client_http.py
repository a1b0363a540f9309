"""LiteLLMClient through litellm's real HTTP path against the scripted server."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

import pytest

from devussy_git.config import load_settings
from devussy_git.errors import LLMUnavailableError
from devussy_git.llm import LiteLLMClient, LLMProfile, LLMRequest, make_client
from tests.support.llm_server import Delay, Malformed, ScriptedLLMServer, Status, Text

KEY = "sk-scripted-test-key"
REQUEST = LLMRequest(
    messages=[{"role": "system", "content": "You plan."}, {"role": "user", "content": "Plan it."}],
    stage="design",
)


def client(
    server: ScriptedLLMServer,
    *,
    on_retry: Callable[[int, BaseException], None] | None = None,
    **profile_kw: Any,
) -> LiteLLMClient:
    """A client for the server's profile, with waits short enough for tests."""
    return LiteLLMClient(server.profile(**profile_kw), on_retry=on_retry, wait_initial_s=0.01)


async def test_a_reply_carries_text_tokens_and_model(llm_server: ScriptedLLMServer) -> None:
    llm_server.enqueue(Text("# Design\nok", prompt_tokens=10, completion_tokens=5))
    reply = await client(llm_server).complete(REQUEST)
    assert reply.text == "# Design\nok"
    assert (reply.tokens_in, reply.tokens_out) == (10, 5)
    assert reply.model == "scripted-model"
    assert reply.cost is None  # unknown model: litellm has no price


async def test_the_server_gets_the_bare_model_the_key_and_the_messages(
    llm_server: ScriptedLLMServer,
) -> None:
    llm_server.enqueue(Text("ok"))
    await client(llm_server, model="llama3.1:8b").complete(REQUEST)
    [(headers, body)] = llm_server.requests
    assert headers["authorization"] == f"Bearer {KEY}"
    assert body["model"] == "llama3.1:8b"
    assert body["messages"] == [dict(m) for m in REQUEST.messages]
    assert not body.get("stream")


async def test_request_options_reach_the_server(llm_server: ScriptedLLMServer) -> None:
    llm_server.enqueue(Text('{"a": 1}'))
    request = LLMRequest(
        messages=[{"role": "user", "content": "json please"}],
        stage="handoff-next",
        context={"never": "sent"},
        max_tokens=321,
        temperature=0.25,
        json_mode=True,
    )
    await client(llm_server).complete(request)
    body = llm_server.requests[0].body
    assert body["max_tokens"] == 321
    assert body["temperature"] == 0.25
    assert body["response_format"] == {"type": "json_object"}
    assert "never" not in str(body)


async def test_requesty_model_names_keep_their_vendor_prefix(llm_server: ScriptedLLMServer) -> None:
    llm_server.enqueue(Text("ok"))
    reply = await client(llm_server, provider="requesty", model="openai/gpt-4o-mini").complete(REQUEST)
    assert llm_server.requests[0].body["model"] == "openai/gpt-4o-mini"
    assert reply.model == "openai/gpt-4o-mini"


async def test_zai_goes_through_litellms_zai_route(llm_server: ScriptedLLMServer) -> None:
    llm_server.enqueue(Text("ok"))
    reply = await client(llm_server, provider="zai", model="glm-4.6").complete(REQUEST)
    headers, body = llm_server.requests[0]
    assert body["model"] == "glm-4.6"
    assert headers["authorization"] == f"Bearer {KEY}"
    assert reply.model == "glm-4.6"


async def test_settings_pointing_at_the_server_work_end_to_end(
    llm_server: ScriptedLLMServer,
) -> None:
    llm_server.enqueue(Text("from settings"))
    profile = LLMProfile.from_settings(load_settings(llm_server.env(), dotenv_path=None))
    reply = await make_client(profile).complete(REQUEST)
    assert reply.text == "from settings"
    assert llm_server.requests[0].headers["authorization"] == f"Bearer {KEY}"


async def test_a_rate_limit_is_retried_then_succeeds(llm_server: ScriptedLLMServer) -> None:
    retries: list[tuple[int, str]] = []
    llm_server.enqueue(Status(429), Text("second time lucky"))
    llm_client = client(llm_server, on_retry=lambda n, exc: retries.append((n, type(exc).__name__)))
    reply = await llm_client.complete(REQUEST)
    assert reply.text == "second time lucky"
    assert len(llm_server.requests) == 2
    assert retries == [(1, "RateLimitError")]


async def test_retry_after_stretches_the_wait(llm_server: ScriptedLLMServer, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="devussy_git.llm")
    llm_server.enqueue(Status(429, headers={"Retry-After": "0.3"}), Text("ok"))
    await client(llm_server).complete(REQUEST)
    [message] = [r.getMessage() for r in caplog.records if "retrying" in r.getMessage()]
    # Read the wait from the text: log redaction may have already folded the args in.
    wait = re.search(r"retrying in ([0-9.]+)s", message)
    assert wait is not None and float(wait.group(1)) >= 0.3


async def test_three_server_errors_spend_the_attempts(llm_server: ScriptedLLMServer) -> None:
    llm_server.enqueue(Status(500), Status(500), Status(500), Text("too late"))
    with pytest.raises(LLMUnavailableError) as caught:
        await client(llm_server, max_retries=3).complete(REQUEST)
    message = caught.value.user_message
    assert "openai" in message and "scripted-model" in message
    assert "InternalServerError (HTTP 500)" in message
    assert "after 3 attempts" in message
    assert len(llm_server.requests) == 3
    assert llm_server.pending == 1


async def test_a_timeout_is_retried_then_fails(llm_server: ScriptedLLMServer) -> None:
    llm_server.enqueue(Delay(5, Text("late")), Delay(5, Text("late")))
    with pytest.raises(LLMUnavailableError) as caught:
        await client(llm_server, timeout_s=0.3, max_retries=2).complete(REQUEST)
    assert "Timeout" in caught.value.user_message
    assert "after 2 attempts" in caught.value.user_message
    assert len(llm_server.requests) == 2


async def test_a_timeout_then_a_prompt_reply_succeeds(llm_server: ScriptedLLMServer) -> None:
    llm_server.enqueue(Delay(5, Text("late")), Text("on time"))
    reply = await client(llm_server, timeout_s=0.3).complete(REQUEST)
    assert reply.text == "on time"


async def test_a_refused_key_is_not_retried(llm_server: ScriptedLLMServer) -> None:
    llm_server.enqueue(Status(401), Text("never asked for"))
    with pytest.raises(LLMUnavailableError) as caught:
        await client(llm_server).complete(REQUEST)
    assert len(llm_server.requests) == 1
    assert "AuthenticationError (HTTP 401)" in caught.value.user_message
    assert "not retried" in caught.value.user_message
    assert "API key" in caught.value.user_message


@pytest.mark.parametrize("status", [400, 403, 404])
async def test_other_client_errors_are_not_retried(llm_server: ScriptedLLMServer, status: int) -> None:
    llm_server.enqueue(Status(status), Text("never asked for"))
    with pytest.raises(LLMUnavailableError, match=f"HTTP {status}"):
        await client(llm_server).complete(REQUEST)
    assert len(llm_server.requests) == 1


async def test_a_malformed_response_is_retried_and_can_recover(
    llm_server: ScriptedLLMServer,
) -> None:
    llm_server.enqueue(Malformed("{not json"), Text("fine now"))
    assert (await client(llm_server).complete(REQUEST)).text == "fine now"
    assert len(llm_server.requests) == 2


async def test_malformed_responses_only_end_in_a_clear_error(
    llm_server: ScriptedLLMServer,
) -> None:
    llm_server.enqueue(
        Malformed("{not json"), Malformed("<html>bad gateway</html>", status=502, content_type="text/html")
    )
    with pytest.raises(LLMUnavailableError) as caught:
        await client(llm_server, max_retries=2).complete(REQUEST)
    assert "BadGatewayError (HTTP 502)" in caught.value.user_message


@pytest.mark.parametrize("content", [None, "", "   \n"])
async def test_an_empty_reply_comes_back_empty_for_the_caller_to_refuse(
    llm_server: ScriptedLLMServer, content: str | None
) -> None:
    llm_server.enqueue(Text(content))
    reply = await client(llm_server).complete(REQUEST)
    assert reply.text.strip() == ""
    assert len(llm_server.requests) == 1


@pytest.mark.parametrize(("finish", "truncated"), [("length", True), ("stop", False)])
async def test_the_finish_reason_is_read(llm_server: ScriptedLLMServer, finish: str, truncated: bool) -> None:
    llm_server.enqueue(Text("## Objectives\nShip the", finish_reason=finish))
    reply = await client(llm_server).complete(REQUEST)
    assert reply.finish_reason == finish
    assert reply.truncated is truncated


async def test_an_unreachable_server_is_named_and_a_refused_loopback_is_not_retried() -> None:
    with ScriptedLLMServer() as server:
        profile = server.profile(timeout_s=2, max_retries=3)
    retries: list[int] = []
    llm_client = LiteLLMClient(profile, wait_initial_s=0.01, on_retry=lambda n, exc: retries.append(n))
    with pytest.raises(LLMUnavailableError) as caught:
        await llm_client.complete(REQUEST)
    assert caught.value.user_message == f"Could not connect to {profile.api_base}: connection refused."
    assert retries == []  # nothing listens on this machine's port: waiting will not help


async def test_the_key_appears_in_no_error_and_no_log_line(
    llm_server: ScriptedLLMServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    echo = {"error": {"message": f"Incorrect API key provided: {KEY}", "type": "invalid_api_key"}}
    llm_server.enqueue(Status(429, body=echo), Status(401, body=echo))
    with pytest.raises(LLMUnavailableError) as caught:
        await client(llm_server).complete(REQUEST)
    error = caught.value
    assert len(llm_server.requests) == 2
    for text in (error.user_message, str(error), error.detail or "", caplog.text):
        assert KEY not in text
    assert "Incorrect API key provided" in (error.detail or "")
    assert any("retrying" in r.getMessage() for r in caplog.records)


async def test_a_keyless_server_never_gets_a_key_from_the_environment(
    llm_server: ScriptedLLMServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-from-the-environment")
    llm_server.enqueue(Text("ok"))
    profile = LLMProfile.from_settings(load_settings({"LLM_API_BASE": llm_server.base_url}, dotenv_path=None))
    assert profile.api_key is None
    await make_client(profile).complete(REQUEST)
    assert llm_server.requests[0].headers["authorization"] == "Bearer no-key"


async def test_cost_is_reported_for_a_model_litellm_has_a_price_for(
    llm_server: ScriptedLLMServer,
) -> None:
    llm_server.enqueue(Text("ok", prompt_tokens=1000, completion_tokens=1000))
    reply = await client(llm_server, model="gpt-4o-mini").complete(REQUEST)
    assert reply.cost is not None and reply.cost > 0


async def test_zai_drops_the_json_mode_it_does_not_support(llm_server: ScriptedLLMServer) -> None:
    llm_server.enqueue(Text("{}"))
    await client(llm_server, provider="zai", model="glm-4.6").complete(
        LLMRequest(messages=REQUEST.messages, stage="handoff-next", json_mode=True)
    )
    assert "response_format" not in llm_server.requests[0].body
