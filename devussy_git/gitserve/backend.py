"""Run ``git http-backend`` for one request, streaming both ways.

:class:`BackendResponse` is an ASGI response: when called it starts the
backend in its own process group, pumps the request body into its stdin (with
a size limit), parses the CGI header block, then streams stdout back in
chunks. Nothing is buffered whole. The process group is killed when the
client disconnects, when the time limit passes, or when anything fails; the
response never outlives its process. This module must never pass credentials
to the backend or log request headers.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from starlette.responses import Response
from starlette.types import Message, Receive, Scope, Send

from devussy_git.errors import StoreError
from devussy_git.gitserve.cgi import (
    CgiHead,
    CgiHeaderError,
    backend_command,
    parse_cgi_head,
)
from devussy_git.redaction import redact

__all__ = ["BackendLimits", "BackendResponse"]

log = logging.getLogger(__name__)

_CHUNK = 64 * 1024
_MAX_HEAD_BYTES = 16 * 1024
_STDERR_KEEP = 4096
_EARLY_MAX = 1024 * 1024
_EXIT_GRACE_S = 5.0


@dataclass(frozen=True)
class BackendLimits:
    """Bounds on one backend run."""

    #: Request bodies larger than this are refused with 413.
    max_body_bytes: int
    #: The whole run (body in, pack out) must end within this many seconds.
    timeout_s: float


class _BodyTooLarge(Exception):
    """The request body passed the configured limit."""


class _ClientGone(Exception):
    """The client disconnected while the backend was still answering."""


class BackendResponse(Response):
    """Answer a request by running ``git http-backend`` with ``env``.

    ``on_done(status, seconds)`` is called exactly once when the exchange
    ends, with the status code sent to the client. ``body`` is given when the
    caller already read the request body (it was inspected); otherwise the
    body is streamed from the client.
    """

    def __init__(
        self,
        env: Mapping[str, str],
        limits: BackendLimits,
        on_done: Callable[[int, float], None] | None = None,
        *,
        body: bytes | None = None,
    ) -> None:
        super().__init__()
        self._env = dict(env)
        self._prebuffered = body
        self._limits = limits
        self._on_done = on_done
        self._started = time.monotonic()
        self._status_sent = 500

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            proc = await asyncio.create_subprocess_exec(
                *backend_command(),
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                env=self._env,
                start_new_session=True,
            )
        except (OSError, StoreError) as exc:
            log.error("cannot start git http-backend: %s", exc)
            await _send_plain(send, 503, "The git backend is unavailable.\n")
            self._finish(503)
            return
        loop = asyncio.get_running_loop()
        timed_out = asyncio.Event()

        def on_timeout() -> None:
            timed_out.set()
            _kill_group(proc)

        watchdog = loop.call_later(self._limits.timeout_s, on_timeout)
        stderr_task = asyncio.create_task(_drain_stderr(proc))
        pump = asyncio.create_task(self._pump_body(proc, receive))
        watcher: asyncio.Task[None] | None = None
        completed = False
        try:
            head = await self._read_head(proc)
            early = await self._collect_while_body_streams(proc, pump) if head else b""
            if head is None or _failed(pump) or timed_out.is_set():
                await self._answer_failure(send, pump, timed_out)
                return
            await send(
                {
                    "type": "http.response.start",
                    "status": head.status,
                    "headers": [(name.encode("latin-1"), value.encode("latin-1")) for name, value in head.headers],
                }
            )
            self._status_sent = head.status
            watcher = asyncio.create_task(self._watch_disconnect(proc, pump, receive))
            if early:
                await send({"type": "http.response.body", "body": early, "more_body": True})
            assert proc.stdout is not None
            while chunk := await proc.stdout.read(_CHUNK):
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            watcher.cancel()
            await send({"type": "http.response.body", "body": b"", "more_body": False})
            completed = True
        finally:
            watchdog.cancel()
            tasks = [task for task in (pump, watcher) if task is not None]
            for task in tasks:
                task.cancel()
            if completed:  # it closed stdout: let it exit by itself before the kill
                with contextlib.suppress(TimeoutError):  # then killed below
                    await asyncio.wait_for(proc.wait(), timeout=_EXIT_GRACE_S)
            _kill_group(proc)
            await proc.wait()
            await asyncio.gather(*tasks, return_exceptions=True)
            stderr_text = await stderr_task
            if stderr_text:
                log.warning("git http-backend: %s", redact(stderr_text))
            if timed_out.is_set():
                log.warning("git http-backend killed after %.1f s", self._limits.timeout_s)
            self._finish(self._status_sent)

    def _finish(self, status: int) -> None:
        if self._on_done is not None:
            self._on_done(status, time.monotonic() - self._started)

    async def _pump_body(self, proc: asyncio.subprocess.Process, receive: Receive) -> None:
        """Copy the request body into the backend's stdin, enforcing the size limit."""
        assert proc.stdin is not None
        total = 0
        try:
            if self._prebuffered is not None:
                proc.stdin.write(self._prebuffered)
                await proc.stdin.drain()
                return
            while True:
                message: Message = await receive()
                if message["type"] == "http.disconnect":
                    raise _ClientGone()
                body: bytes = message.get("body", b"")
                total += len(body)
                if total > self._limits.max_body_bytes:
                    raise _BodyTooLarge()
                if body:
                    proc.stdin.write(body)
                    await proc.stdin.drain()
                if not message.get("more_body", False):
                    break
        except (_ClientGone, _BodyTooLarge):
            _kill_group(proc)
            raise
        except (BrokenPipeError, ConnectionResetError):
            return  # the backend stopped reading; its own answer says why
        finally:
            if not proc.stdin.is_closing():
                proc.stdin.close()

    async def _read_head(self, proc: asyncio.subprocess.Process) -> CgiHead | None:
        """The CGI header block, or ``None`` when the backend died or misbehaved."""
        assert proc.stdout is not None
        lines: list[bytes] = []
        size = 0
        while True:
            try:
                line = await proc.stdout.readline()
            except ValueError:  # a line longer than the stream limit
                return None
            size += len(line)
            if not line or size > _MAX_HEAD_BYTES:
                return None  # EOF before the blank line, or an absurd header block
            if line in (b"\r\n", b"\n"):
                break
            lines.append(line)
        try:
            return parse_cgi_head(b"".join(lines))
        except CgiHeaderError as exc:
            log.warning("git http-backend sent a bad header block: %s", exc)
            return None

    async def _collect_while_body_streams(self, proc: asyncio.subprocess.Process, pump: asyncio.Task[None]) -> bytes:
        """Hold back the response while the request body is still coming in.

        http-backend prints its header block before reading the body, so the
        status is only known to be good once the body was accepted (size
        limit, client still there). Output produced meanwhile is kept (up to
        a bound, so a backend that answers before reading all input cannot
        deadlock against a full pipe).
        """
        assert proc.stdout is not None
        early = bytearray()
        reading: asyncio.Future[bytes] | None = None
        while not pump.done() and len(early) < _EARLY_MAX:
            if reading is None:
                reading = asyncio.ensure_future(proc.stdout.read(_CHUNK))
            waiting: set[asyncio.Future[Any]] = {pump, reading}
            done, _ = await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
            if reading in done:
                chunk = reading.result()
                reading = None
                if not chunk:
                    break
                early += chunk
        if reading is not None:
            reading.cancel()  # StreamReader.read consumes nothing when cancelled while waiting
            await asyncio.gather(reading, return_exceptions=True)
        return bytes(early)

    async def _answer_failure(self, send: Send, pump: asyncio.Task[None], timed_out: asyncio.Event) -> None:
        """Send 413/504/502 when the backend produced no usable answer."""
        status, text = 502, "The git backend failed.\n"
        await asyncio.wait({pump}, timeout=1.0)
        if pump.done() and not pump.cancelled():
            error = pump.exception()
            if isinstance(error, _BodyTooLarge):
                status, text = 413, "Request body too large.\n"
            elif isinstance(error, _ClientGone):
                status = 499  # recorded only: nobody is listening
        if timed_out.is_set():
            status, text = 504, "The git backend took too long.\n"
        self._status_sent = status
        if status != 499:
            await _send_plain(send, status, text)

    async def _watch_disconnect(
        self, proc: asyncio.subprocess.Process, pump: asyncio.Task[None], receive: Receive
    ) -> None:
        """Kill the backend when the client goes away while the response streams."""
        try:
            await pump
        except (_ClientGone, _BodyTooLarge):
            _kill_group(proc)
            return
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                _kill_group(proc)
                return


async def _send_plain(send: Send, status: int, text: str) -> None:
    body = text.encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body, "more_body": False})


def _failed(task: asyncio.Task[None]) -> bool:
    return task.done() and not task.cancelled() and task.exception() is not None


def _kill_group(proc: asyncio.subprocess.Process) -> None:
    """SIGKILL the backend and its children (upload-pack, pack-objects)."""
    if proc.returncode is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass  # already gone


async def _drain_stderr(proc: asyncio.subprocess.Process) -> str:
    """Read the backend's stderr to the end (so it never blocks), keeping the start."""
    assert proc.stderr is not None
    kept = bytearray()
    while chunk := await proc.stderr.read(_CHUNK):
        if len(kept) < _STDERR_KEEP:
            kept += chunk[: _STDERR_KEEP - len(kept)]
    return kept.decode("utf-8", errors="replace").strip()
