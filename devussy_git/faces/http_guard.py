"""The runner API's front door: the bearer token first, then a bounded body.

A plain ASGI middleware, so it runs before FastAPI reads or parses anything:
a request without the runner token (when ``DEVUSSY_RUNNER_TOKEN`` is set) is
answered 401 without reading its body, and a body larger than
:data:`MAX_BODY_BYTES` is answered 413 -- at once when ``Content-Length`` says
so, else as soon as that many bytes have arrived. Open paths (health, metrics,
the index), the git endpoint, which has its own auth and body limit, and the
node-sync endpoints (``/nodes/``, the node token) pass through untouched. This module must never log or echo a token.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from devussy_git.config import Secret

__all__ = ["MAX_BODY_BYTES", "OPEN_PATHS", "RunnerGuard"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: Largest request body the runner API reads. The largest legitimate request is a
#: ``POST /runs`` with a whole interview: about 4,200 characters of answers at the
#: question limits, ~25 KB if every character were JSON-escaped as ``\uXXXX``.
MAX_BODY_BYTES = 128 * 1024
#: Paths anyone may read: health checks and metrics for the operator's probes.
OPEN_PATHS = frozenset({"/", "/healthz", "/metrics"})


def _bearer_ok(headers: list[tuple[bytes, bytes]], token: Secret) -> bool:
    for name, value in headers:
        if name.lower() == b"authorization":
            scheme, _, given = value.partition(b" ")
            return scheme.lower() == b"bearer" and hmac.compare_digest(given.strip(), token.get().encode())
    return False


async def _answer(send: Send, status: int, detail: str, headers: list[tuple[bytes, bytes]] | None = None) -> None:
    body = json.dumps({"detail": detail}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                *(headers or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class RunnerGuard:
    """ASGI middleware: see the module docstring.

    ``token`` is read per request (the app's settings are built at start-up).
    """

    def __init__(self, app: ASGIApp, token: Callable[[], Secret | None], max_body: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.token = token
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or path in OPEN_PATHS or path.startswith(("/git/", "/nodes/")):
            await self.app(scope, receive, send)
            return
        token = self.token()
        if token is not None and not _bearer_ok(scope.get("headers", []), token):
            await _answer(
                send,
                401,
                "A valid bearer token is required (DEVUSSY_RUNNER_TOKEN).",
                [(b"www-authenticate", b"Bearer")],
            )
            return
        declared = next((v for k, v in scope.get("headers", []) if k.lower() == b"content-length"), None)
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_body):
            await _answer(send, 413, f"The request body is larger than {self.max_body:,} bytes.")
            return
        if scope.get("method") in ("GET", "HEAD", "OPTIONS", "DELETE") and declared is None:
            await self.app(scope, receive, send)
            return
        # Read the (small) body here, so an over-long chunked one is refused before
        # the application holds any of it.
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body:
                await _answer(send, 413, f"The request body is larger than {self.max_body:,} bytes.")
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)
