"""The scripted OpenAI-compatible server itself, spoken to with plain httpx."""

from __future__ import annotations

import json
import threading

import httpx
import pytest

from tests.support.llm_server import (
    Delay,
    Disconnect,
    Malformed,
    ScriptedLLMServer,
    Status,
    Text,
)

BODY = {"model": "m", "messages": [{"role": "system", "content": "stage: design"}, {"role": "user", "content": "go"}]}


def post(server: ScriptedLLMServer, body: dict | None = None, **kw: object) -> httpx.Response:
    return httpx.post(
        f"{server.base_url}/chat/completions",
        json=body or BODY,
        headers={"Authorization": "Bearer k"},
        timeout=kw.pop("timeout", 5),
    )


def test_it_listens_on_loopback_only(llm_server: ScriptedLLMServer) -> None:
    assert llm_server.base_url.startswith("http://127.0.0.1:")
    assert llm_server.base_url.endswith("/v1")


def test_queued_replies_come_in_order_then_the_route(llm_server: ScriptedLLMServer) -> None:
    llm_server.enqueue(Text("first", prompt_tokens=3, completion_tokens=1), Status(429))
    llm_server.route(lambda body: Text(f"routed {body['messages'][0]['content']}"))
    first = post(llm_server)
    assert first.status_code == 200
    payload = first.json()
    assert payload["choices"][0]["message"] == {"role": "assistant", "content": "first"}
    assert payload["usage"] == {"prompt_tokens": 3, "completion_tokens": 1, "total_tokens": 4}
    assert payload["model"] == "m"
    limited = post(llm_server)
    assert limited.status_code == 429
    assert limited.json()["error"]["type"] == "rate_limit_exceeded"
    assert post(llm_server).json()["choices"][0]["message"]["content"] == "routed stage: design"
    assert [r.body for r in llm_server.requests] == [BODY] * 3
    assert llm_server.requests[0].headers["authorization"] == "Bearer k"


def test_without_a_script_it_answers_400_with_a_clear_message(
    llm_server: ScriptedLLMServer,
) -> None:
    response = post(llm_server)
    assert response.status_code == 400
    assert "no reply scripted" in response.json()["error"]["message"]


def test_default_token_counts_are_estimated_from_characters(
    llm_server: ScriptedLLMServer,
) -> None:
    llm_server.enqueue(Text("x" * 9))
    usage = post(llm_server).json()["usage"]
    assert usage["prompt_tokens"] == 4  # ceil(len("stage: design" + "go") / 4)
    assert usage["completion_tokens"] == 3


def test_status_replies_carry_custom_bodies_and_headers(llm_server: ScriptedLLMServer) -> None:
    llm_server.enqueue(Status(503, body="plain words", headers={"Retry-After": "7"}))
    response = post(llm_server)
    assert (response.status_code, response.text) == (503, "plain words")
    assert response.headers["retry-after"] == "7"


def test_malformed_and_disconnect(llm_server: ScriptedLLMServer) -> None:
    llm_server.enqueue(Malformed("{not json"), Disconnect(), Text("after"))
    assert post(llm_server).text == "{not json"
    with pytest.raises(httpx.RemoteProtocolError):
        post(llm_server)
    assert post(llm_server).json()["choices"][0]["message"]["content"] == "after"


def test_a_delay_outlasting_the_client_timeout(llm_server: ScriptedLLMServer) -> None:
    llm_server.enqueue(Delay(3, Text("late")), Text("next"))
    with pytest.raises(httpx.ReadTimeout):
        post(llm_server, timeout=0.2)
    assert post(llm_server).json()["choices"][0]["message"]["content"] == "next"


def test_closing_wakes_delayed_replies(llm_server: ScriptedLLMServer) -> None:
    llm_server.enqueue(Delay(60, Text("never")))
    errors: list[BaseException] = []

    def call() -> None:
        try:
            post(llm_server, timeout=30)
        except httpx.HTTPError as exc:
            errors.append(exc)

    caller = threading.Thread(target=call)
    caller.start()
    while not llm_server.requests:
        threading.Event().wait(0.01)
    llm_server.close()
    caller.join(timeout=10)
    assert not caller.is_alive()
    assert len(errors) == 1


def test_streaming_requests_get_server_sent_events(llm_server: ScriptedLLMServer) -> None:
    text = "a streamed reply longer than one chunk"
    llm_server.enqueue(Text(text, prompt_tokens=2, completion_tokens=9))
    body = {**BODY, "stream": True, "stream_options": {"include_usage": True}}
    response = post(llm_server, body)
    assert response.headers["content-type"] == "text/event-stream"
    events = [line.removeprefix("data: ") for line in response.text.splitlines() if line]
    assert events[-1] == "[DONE]"
    chunks = [json.loads(e) for e in events[:-1]]
    assert "".join(c["choices"][0]["delta"].get("content", "") for c in chunks) == text
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop"
    assert chunks[-1]["usage"]["completion_tokens"] == 9


def test_models_reset_and_unknown_paths(llm_server: ScriptedLLMServer) -> None:
    models = httpx.get(f"{llm_server.base_url}/models", timeout=5).json()
    assert models["data"][0]["id"] == llm_server.model_default
    assert httpx.post(f"{llm_server.base_url}/embeddings", json={}, timeout=5).status_code == 404
    llm_server.enqueue(Text("x"))
    post(llm_server)
    llm_server.enqueue(Text("y"))
    llm_server.reset()
    assert (llm_server.requests, llm_server.pending) == ([], 0)


def test_profile_and_env_point_at_the_server(llm_server: ScriptedLLMServer) -> None:
    profile = llm_server.profile(key="sk-x", model="m2")
    assert (profile.provider, profile.model, profile.api_base) == ("openai", "m2", llm_server.base_url)
    env = llm_server.env(key="sk-x")
    assert env["LLM_API_BASE"] == llm_server.base_url
    assert env["LLM_API_KEY"] == "sk-x"


def test_delay_all_slows_every_reply(llm_server: ScriptedLLMServer) -> None:
    llm_server.route(lambda body: Text("slow"))
    llm_server.delay_all = 5
    with pytest.raises(httpx.ReadTimeout):
        post(llm_server, timeout=0.2)
    llm_server.delay_all = 0
    assert post(llm_server).json()["choices"][0]["message"]["content"] == "slow"
