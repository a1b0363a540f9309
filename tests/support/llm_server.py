"""A scripted OpenAI-compatible chat server on 127.0.0.1, for tests and benches.

Real HTTP in a background thread, so litellm's own request path is exercised::

    with ScriptedLLMServer() as server:
        server.enqueue(Status(429), Text("hello", prompt_tokens=10, completion_tokens=2))
        profile = server.profile(key="sk-test")          # openai/<model> @ base_url
        ...
        headers, body = server.requests[0]

Replies are taken from the queue first (one per request), then from the
``route`` responder (called with the parsed request JSON, e.g. to answer per
stage by the system prompt). With neither, the server answers HTTP 400 with a
message saying so, which clients do not retry, so a missing script shows up as
a clear failure. ``delay_all`` adds latency to every reply. ``stream: true``
requests get the text as server-sent events.

This is test support: it never listens on anything but 127.0.0.1.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, NamedTuple

import pytest

from devussy_git.config import Secret
from devussy_git.llm import LLMProfile, aclose_litellm

__all__ = [
    "Delay",
    "Disconnect",
    "Malformed",
    "RecordedRequest",
    "ScriptedLLMServer",
    "ScriptedReply",
    "Status",
    "Text",
    "drain_litellm",
    "llm_server",
]


@dataclass(frozen=True)
class Text:
    """A normal chat completion. ``content=None`` sends a null message content."""

    content: str | None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    #: The model name to report; default: the requested model.
    model: str | None = None
    finish_reason: str = "stop"


@dataclass(frozen=True)
class Status:
    """An HTTP error with an OpenAI-style error body (or ``body`` verbatim)."""

    code: int
    body: str | Mapping[str, Any] | None = None
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Delay:
    """Wait ``seconds`` (cut short when the server closes), then send ``then``."""

    seconds: float
    then: ScriptedReply


@dataclass(frozen=True)
class Malformed:
    """A raw response body that is not what the client expects."""

    raw: str
    status: int = 200
    content_type: str = "application/json"


@dataclass(frozen=True)
class Disconnect:
    """Close the connection without any response."""


ScriptedReply = Text | Status | Delay | Malformed | Disconnect


class RecordedRequest(NamedTuple):
    """One request the server received: lower-cased headers and the JSON body."""

    headers: dict[str, str]
    body: dict[str, Any]


_NO_SCRIPT = {
    "error": {
        "message": "ScriptedLLMServer: no reply scripted for this request",
        "type": "invalid_request_error",
    }
}

_ERROR_TYPES = {
    400: "invalid_request_error",
    401: "invalid_api_key",
    403: "permission_denied",
    404: "not_found",
    429: "rate_limit_exceeded",
}


class ScriptedLLMServer:
    """An OpenAI-compatible ``/v1/chat/completions`` endpoint that follows a script."""

    def __init__(self, *, model_default: str = "scripted-model") -> None:
        self.model_default = model_default
        #: Seconds added before every reply (benchmarks).
        self.delay_all: float = 0.0
        self._queue: deque[ScriptedReply] = deque()
        self._route: Callable[[dict[str, Any]], ScriptedReply] | None = None
        self._requests: list[RecordedRequest] = []
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self._ids = itertools.count(1)
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -----------------------------------------------------------------

    def start(self) -> ScriptedLLMServer:
        """Bind an ephemeral port on 127.0.0.1 and serve in a daemon thread."""
        if self._httpd is not None:
            return self
        httpd = ThreadingHTTPServer(("127.0.0.1", 0), _make_handler(self))
        httpd.daemon_threads = True
        # Do not wait for handlers still sleeping in a Delay when closing.
        httpd.block_on_close = False
        self._httpd = httpd
        self._closing.clear()
        self._thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def close(self) -> None:
        """Stop serving; wake every delayed handler."""
        self._closing.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> ScriptedLLMServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- scripting -----------------------------------------------------------------

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("ScriptedLLMServer is not running")
        return int(self._httpd.server_address[1])

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT/v1``: what clients use as ``api_base``."""
        return f"http://127.0.0.1:{self.port}/v1"

    def enqueue(self, *replies: ScriptedReply) -> None:
        """Answer the next requests with ``replies``, in order."""
        with self._lock:
            self._queue.extend(replies)

    def route(self, responder: Callable[[dict[str, Any]], ScriptedReply] | None) -> None:
        """Answer with ``responder(request_json)`` whenever the queue is empty."""
        with self._lock:
            self._route = responder

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received so far (a copy)."""
        with self._lock:
            return list(self._requests)

    @property
    def pending(self) -> int:
        """Replies still queued."""
        with self._lock:
            return len(self._queue)

    def reset(self) -> None:
        """Forget the queue, the route and the recorded requests."""
        with self._lock:
            self._queue.clear()
            self._route = None
            self._requests.clear()
        self.delay_all = 0.0

    def profile(
        self,
        *,
        key: str | None = "sk-scripted-test-key",
        model: str | None = None,
        provider: str = "openai",
        timeout_s: float = 10.0,
        max_retries: int = 3,
    ) -> LLMProfile:
        """An :class:`LLMProfile` pointing at this server."""
        return LLMProfile(
            provider=provider,
            model=model or self.model_default,
            api_base=self.base_url,
            api_key=Secret(key) if key else None,
            timeout_s=timeout_s,
            max_retries=max_retries,
        )

    def env(self, *, key: str = "sk-scripted-test-key", model: str | None = None) -> dict[str, str]:
        """Environment variables (DESIGN section 3) that point the app at this server."""
        return {
            "LLM_DEFAULT_PROVIDER": "openai",
            "LLM_DEFAULT_MODEL": model or self.model_default,
            "LLM_API_BASE": self.base_url,
            "LLM_API_KEY": key,
        }

    # -- serving (handler thread) ----------------------------------------------------

    def _record_and_pick(self, headers: dict[str, str], body: dict[str, Any]) -> ScriptedReply:
        with self._lock:
            self._requests.append(RecordedRequest(headers, body))
            if self._queue:
                return self._queue.popleft()
            route = self._route
        if route is not None:
            return route(body)
        return Status(400, _NO_SCRIPT)

    def _sleep(self, seconds: float) -> bool:
        """Sleep unless the server closes first; True when it closed."""
        return seconds > 0 and self._closing.wait(seconds)

    def _completion(self, reply: Text, body: dict[str, Any]) -> dict[str, Any]:
        prompt_chars = sum(len(str(m.get("content") or "")) for m in body.get("messages", []))
        content = reply.content
        return {
            "id": f"chatcmpl-scripted-{next(self._ids)}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": reply.model or str(body.get("model") or self.model_default),
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": content},
                    "finish_reason": reply.finish_reason,
                }
            ],
            "usage": _usage(reply, prompt_chars, len(content or "")),
        }


def _usage(reply: Text, prompt_chars: int, completion_chars: int) -> dict[str, int]:
    prompt = reply.prompt_tokens
    if prompt is None:
        prompt = -(-prompt_chars // 4)
    completion = reply.completion_tokens
    if completion is None:
        completion = -(-completion_chars // 4)
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
    }


def _make_handler(server: ScriptedLLMServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body go out in separate writes; with Nagle on, a keep-alive
        # client's delayed ACK adds ~40 ms to every reply.
        disable_nagle_algorithm = True

        def log_message(self, format: str, *args: Any) -> None:
            """Keep test output quiet."""

        def do_GET(self) -> None:
            if self.path.rstrip("/") == "/v1/models":
                model = {"id": server.model_default, "object": "model"}
                self._send_json(200, {"object": "list", "data": [model]})
            else:
                self._send_json(404, {"error": {"message": "not found", "type": "not_found"}})

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            if self.path.rstrip("/") != "/v1/chat/completions":
                self._send_json(404, {"error": {"message": "not found", "type": "not_found"}})
                return
            try:
                body = json.loads(raw or b"{}")
            except json.JSONDecodeError:
                self._send_json(400, {"error": {"message": "request body is not JSON"}})
                return
            headers = {k.lower(): v for k, v in self.headers.items()}
            reply = server._record_and_pick(headers, body)
            if server._sleep(server.delay_all):
                return
            try:
                self._answer(reply, body)
            except (BrokenPipeError, ConnectionResetError):
                # The client gave up (its timeout) while we were delaying.
                self.close_connection = True

        def _answer(self, reply: ScriptedReply, body: dict[str, Any]) -> None:
            while isinstance(reply, Delay):
                if server._sleep(reply.seconds):
                    self.close_connection = True
                    return
                reply = reply.then
            if isinstance(reply, Disconnect):
                self.close_connection = True
                return
            if isinstance(reply, Malformed):
                self._send_raw(reply.status, reply.raw.encode(), reply.content_type)
                return
            if isinstance(reply, Status):
                self._send_status(reply)
                return
            completion = server._completion(reply, body)
            if body.get("stream"):
                self._send_stream(completion, body)
            else:
                self._send_json(200, completion)

        def _send_status(self, reply: Status) -> None:
            if isinstance(reply.body, str):
                payload = reply.body.encode()
            else:
                default = {
                    "error": {
                        "message": f"scripted HTTP {reply.code}",
                        "type": _ERROR_TYPES.get(reply.code, "server_error"),
                        "code": reply.code,
                    }
                }
                payload = json.dumps(reply.body if reply.body is not None else default).encode()
            self._send_raw(reply.code, payload, "application/json", reply.headers)

        def _send_stream(self, completion: dict[str, Any], body: dict[str, Any]) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-cache")
            self.send_header("Connection", "close")
            self.end_headers()
            self.close_connection = True
            content = completion["choices"][0]["message"]["content"] or ""
            for event in _stream_events(completion, content, body):
                self.wfile.write(f"data: {json.dumps(event)}\n\n".encode())
                self.wfile.flush()
            self.wfile.write(b"data: [DONE]\n\n")
            self.wfile.flush()

        def _send_json(self, status: int, payload: Mapping[str, Any]) -> None:
            self._send_raw(status, json.dumps(payload).encode(), "application/json")

        def _send_raw(
            self,
            status: int,
            payload: bytes,
            content_type: str,
            headers: Mapping[str, str] | None = None,
        ) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)
            self.wfile.flush()

    return Handler


def _stream_events(completion: dict[str, Any], content: str, body: dict[str, Any]) -> Iterator[dict[str, Any]]:
    base = {k: completion[k] for k in ("id", "created", "model")}
    base["object"] = "chat.completion.chunk"
    pieces = [content[i : i + 16] for i in range(0, len(content), 16)] or [""]
    for i, piece in enumerate(pieces):
        delta: dict[str, str] = {"content": piece}
        if i == 0:
            delta["role"] = "assistant"
        yield {**base, "choices": [{"index": 0, "delta": delta, "finish_reason": None}]}
    finish = completion["choices"][0]["finish_reason"]
    last: dict[str, Any] = {**base, "choices": [{"index": 0, "delta": {}, "finish_reason": finish}]}
    if (body.get("stream_options") or {}).get("include_usage"):
        last["usage"] = completion["usage"]
    yield last


@pytest.fixture
def llm_server() -> Iterator[ScriptedLLMServer]:
    """A running :class:`ScriptedLLMServer`; import this name into a conftest to use it."""
    with ScriptedLLMServer() as server:
        yield server


@pytest.fixture
async def drain_litellm() -> AsyncIterator[None]:
    """Let litellm finish its background logging before the test's event loop ends.

    Without it litellm carries its queued logging tasks from loop to loop with a
    warning. Import it into a conftest and make it autouse where tests call
    litellm.
    """
    yield
    await aclose_litellm()
