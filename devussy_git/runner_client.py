"""HTTP client of the runner API (DESIGN section 8), used by the bot when
``DEVUSSY_RUNNER_URL`` is set: ``POST /runs``, ``GET /runs/{id}`` polled with
backoff, ``DELETE /runs/{id}`` to cancel, and ``GET /projects/{id}/files/{path}`` for the run's summary.

It owns httpx and translates its errors into :mod:`devussy_git.errors` here
(never an httpx exception past this module). The bearer token is sent in a
header and never logged, formatted or put in an error message.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx

from devussy_git.config import Secret
from devussy_git.errors import (
    ConflictError,
    DevussyError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
    RestartNeedsConfirmationError,
    RunAlreadyActiveError,
    RunnerUnavailableError,
)

__all__ = ["TERMINAL_STATES", "RunnerClient", "RunnerStage", "RunnerStatus"]

log = logging.getLogger(__name__)

#: Run states after which polling stops.
TERMINAL_STATES = frozenset({"completed", "failed", "cancelled"})


@dataclass(frozen=True)
class RunnerStage:
    name: str
    state: str
    commit: str | None
    error: str | None


@dataclass(frozen=True)
class RunnerStatus:
    """``RunStatus`` of the runner API."""

    run_id: str
    project_id: str
    state: str
    stage: str | None
    stages: tuple[RunnerStage, ...]
    error: str | None

    @property
    def done(self) -> bool:
        return self.state in TERMINAL_STATES

    @classmethod
    def from_json(cls, data: Any) -> RunnerStatus:
        if not isinstance(data, dict) or not isinstance(data.get("run_id"), str):
            raise RunnerUnavailableError("The runner sent a run status the bot cannot read.")
        stages = tuple(
            RunnerStage(
                name=str(s.get("name", "")),
                state=str(s.get("state", "")),
                commit=s.get("commit") if isinstance(s.get("commit"), str) else None,
                error=s.get("error") if isinstance(s.get("error"), str) else None,
            )
            for s in data.get("stages") or ()
            if isinstance(s, dict)
        )
        return cls(
            run_id=data["run_id"],
            project_id=str(data.get("project_id", "")),
            state=str(data.get("state", "")),
            stage=data.get("stage") if isinstance(data.get("stage"), str) else None,
            stages=stages,
            error=data.get("error") if isinstance(data.get("error"), str) else None,
        )


StatusCallback = Callable[[RunnerStatus], Awaitable[None] | None]


class RunnerClient:
    """Talks to one runner. Use as ``async with RunnerClient(...) as runner:``."""

    def __init__(
        self,
        base_url: str,
        token: Secret | None = None,
        *,
        timeout_s: float = 30.0,
        poll_initial_s: float = 0.5,
        poll_max_s: float = 5.0,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        headers = {"Authorization": f"Bearer {token.get()}"} if token else {}
        self.base_url = base_url.rstrip("/")
        self.poll_initial_s = poll_initial_s
        self.poll_max_s = poll_max_s
        self._sleep = sleep
        self._http = httpx.AsyncClient(base_url=self.base_url, headers=headers, timeout=timeout_s, transport=transport)

    async def __aenter__(self) -> RunnerClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def _request(self, method: str, path: str, **kw: Any) -> httpx.Response:
        try:
            response = await self._http.request(method, path, **kw)
        except httpx.TimeoutException as exc:
            raise RunnerUnavailableError("The runner did not answer in time.") from exc
        except httpx.HTTPError as exc:
            raise RunnerUnavailableError(f"The runner cannot be reached ({type(exc).__name__}).") from exc
        if response.status_code < 400:
            return response
        raise self._error(response)

    def _error(self, response: httpx.Response) -> DevussyError:
        try:
            body = response.json()
        except ValueError:
            body = {}
        detail = body.get("detail") if isinstance(body, dict) else None
        message = detail if isinstance(detail, str) and detail else f"HTTP {response.status_code}"
        code = response.status_code
        if code in (401, 403):
            return PermissionDeniedError(
                "The runner refused the bot's token; check DEVUSSY_RUNNER_TOKEN on both sides."
            )
        if code == 404:
            return NotFoundError(message)
        if code == 409 and isinstance(body, dict) and body.get("restart_required") is True:
            return RestartNeedsConfirmationError(message)
        if code == 409:
            return RunAlreadyActiveError(message) if "run" in message.lower() else ConflictError(message)
        if code == 422:
            return InvalidInputError(message)
        return RunnerUnavailableError(f"The runner failed: {message}")

    async def start_run(
        self,
        project_id: str,
        *,
        provider: str | None = None,
        model: str | None = None,
        resume: bool = False,
        restart: bool = False,
    ) -> RunnerStatus:
        body = {"project_id": project_id, "provider": provider, "model": model, "resume": resume, "restart": restart}
        response = await self._request("POST", "/runs", json=body)
        return RunnerStatus.from_json(response.json())

    async def get_run(self, run_id: str) -> RunnerStatus:
        response = await self._request("GET", f"/runs/{quote(run_id, safe='')}")
        return RunnerStatus.from_json(response.json())

    async def cancel_run(self, run_id: str) -> RunnerStatus:
        """``DELETE /runs/{id}``: a queued run comes back ``cancelled``, a running one still ``running``."""
        response = await self._request("DELETE", f"/runs/{quote(run_id, safe='')}")
        return RunnerStatus.from_json(response.json())

    async def read_file(self, project_id: str, path: str, rev: str = "main") -> str:
        response = await self._request(
            "GET",
            f"/projects/{quote(project_id, safe='')}/files/{quote(path)}",
            params={"rev": rev},
        )
        return response.text

    async def wait(
        self,
        run_id: str,
        *,
        on_status: StatusCallback | None = None,
        timeout_s: float | None = None,
    ) -> RunnerStatus:
        """Poll until the run completes or fails; ``on_status`` sees every change.

        The delay doubles from ``poll_initial_s`` up to ``poll_max_s`` and goes
        back to the start whenever the status changes (a stage finished).
        A transient failure of one poll is retried with the same backoff.
        """
        loop = asyncio.get_running_loop()
        deadline = None if timeout_s is None else loop.time() + timeout_s
        delay = self.poll_initial_s
        last: RunnerStatus | None = None
        failures = 0
        while True:
            try:
                status: RunnerStatus | None = await self.get_run(run_id)
                failures = 0
            except RunnerUnavailableError:
                failures += 1
                if failures >= 5:
                    raise
                log.warning("polling run %s failed (%d in a row); retrying", run_id, failures)
                status = last
            if status is not None and status != last:
                last = status
                delay = self.poll_initial_s
                if on_status is not None:
                    result = on_status(status)
                    if asyncio.iscoroutine(result):
                        await result
            if last is not None and last.done:
                return last
            if deadline is not None and loop.time() + delay > deadline:
                raise RunnerUnavailableError(
                    f"Run {run_id} did not finish in {timeout_s:.0f} s; check /devussy status."
                )
            await self._sleep(delay)
            delay = min(delay * 2, self.poll_max_s)
