"""The HTTP face (``devussy-git serve``): runner API, file reads, health,
metrics, and the read-only git clone endpoint.

Routes parse and validate input with pydantic, call :mod:`devussy_git.services`,
and map :class:`~devussy_git.errors.DevussyError` to status codes in one
exception handler. Runs started here execute in the background; their status
is readable while they run.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any
from urllib.parse import quote

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from devussy_git import __version__, services
from devussy_git.app import App, build_app
from devussy_git.config import Secret, Settings, load_settings
from devussy_git.errors import (
    ConflictError,
    DevussyError,
    InvalidInputError,
    InvalidLLMOutputError,
    NotFoundError,
    PermissionDeniedError,
    RestartNeedsConfirmationError,
    UnavailableError,
)
from devussy_git.faces.http_guard import RunnerGuard
from devussy_git.redaction import install_log_redaction
from devussy_git.services import RunRecord

__all__ = ["RunRequest", "RunStatus", "create_http_app", "serve"]

log = logging.getLogger(__name__)


class RunRequest(BaseModel):
    """``POST /runs`` body."""

    model_config = ConfigDict(extra="forbid")

    project_id: str = Field(min_length=1, max_length=63)
    interview: dict[str, Any] | None = None
    provider: str | None = Field(default=None, max_length=32)
    model: str | None = Field(default=None, max_length=200)
    resume: bool = False
    #: Confirm a new run of a plan that has progress (it starts over at 0); without
    #: it such a request is refused with 409 and the progress in ``detail``.
    restart: bool = False


class StageStatus(BaseModel):
    name: str
    state: str
    commit: str | None
    started_at: datetime | None
    finished_at: datetime | None
    error: str | None


class RunStatus(BaseModel):
    """``GET /runs/{run_id}`` body (DESIGN section 8)."""

    run_id: str
    project_id: str
    state: str
    stage: str | None
    stages: list[StageStatus]
    error: str | None

    @classmethod
    def of(cls, record: RunRecord) -> RunStatus:
        return cls(
            run_id=record.run_id,
            project_id=record.project_id,
            state=record.state,
            stage=record.stage,
            stages=[
                StageStatus(
                    name=s.name,
                    state=s.state,
                    commit=s.commit,
                    started_at=s.started_at,
                    finished_at=s.finished_at,
                    error=s.error,
                )
                for s in record.stages
            ],
            error=record.error,
        )


class ArtifactEntry(BaseModel):
    path: str
    size: int
    blob_sha: str
    url: str


class Artifacts(BaseModel):
    commit: str
    files: list[ArtifactEntry]


_STATUS = {
    NotFoundError: 404,
    ConflictError: 409,
    InvalidInputError: 422,
    PermissionDeniedError: 403,
    # Something we depend on is down or busy: nothing changed, the client may retry.
    UnavailableError: 503,
    # The model answered, but with nothing usable (after its retries): a bad gateway.
    InvalidLLMOutputError: 502,
}


def _status_for(exc: DevussyError) -> int:
    for cls, code in _STATUS.items():
        if isinstance(exc, cls):
            return code
    return 500


def create_http_app(settings: Settings | None = None, *, app_state: App | None = None) -> FastAPI:
    """The FastAPI application; builds its :class:`App` on startup unless given one."""

    @asynccontextmanager
    async def lifespan(api: FastAPI) -> AsyncIterator[None]:
        owned = app_state is None
        # uvicorn configures its loggers before startup: redact credentials on them now.
        install_log_redaction()
        state = app_state or await build_app(settings or load_settings())
        api.state.app = state
        api.include_router(services.git_router(state))
        if owned and state.settings.node_url and state.has_database:
            # Other nodes proxy this node's projects' reads here and fetch them from here when they move.
            await services.record_node(state, state.settings.node_url)
        periodic = services.start_periodic_maintenance(state) if owned else None
        try:
            yield
        finally:
            if periodic is not None:
                periodic.cancel()
            if owned:
                await state.close()

    api = FastAPI(title="devussy-git", version=__version__, lifespan=lifespan)

    def runner_token() -> Secret | None:
        state = getattr(api.state, "app", None)
        return state.settings.runner_token if state is not None else None

    def get_app(request: Request) -> App:
        return request.app.state.app  # type: ignore[no-any-return]

    @api.exception_handler(DevussyError)
    async def on_devussy_error(request: Request, exc: DevussyError) -> JSONResponse:
        code = _status_for(exc)
        body: dict[str, Any] = {"detail": exc.user_message}
        if isinstance(exc, InvalidInputError) and exc.problems:
            body["problems"] = exc.problems
        if isinstance(exc, RestartNeedsConfirmationError):
            body["restart_required"] = True  # send again with "restart": true to confirm
        headers = {"WWW-Authenticate": "Bearer"} if isinstance(exc, PermissionDeniedError) else None
        if code == 403 and headers:
            code = 401
        if isinstance(exc, UnavailableError):
            headers = {"Retry-After": "30"}
        return JSONResponse(body, status_code=code, headers=headers)

    @api.exception_handler(RequestValidationError)
    async def on_validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [f"{'.'.join(str(p) for p in e['loc'][1:]) or 'body'}: {e['msg']}" for e in exc.errors()]
        return JSONResponse({"detail": "The request body is not valid.", "problems": problems}, 422)

    @api.middleware("http")
    async def observe(request: Request, call_next: Any) -> Response:
        started = time.perf_counter()
        response: Response = await call_next(request)
        if request.url.path.startswith("/git/"):
            # The git router counts its own requests, with finer labels and full timings.
            return response
        route = request.scope.get("route")
        path = getattr(route, "path", "unmatched")
        state = getattr(request.app.state, "app", None)
        if state is not None:
            state.metrics.observe_request(path, request.method, response.status_code, time.perf_counter() - started)
        return response

    @api.post("/runs", response_model=RunStatus, status_code=202)
    async def post_run(body: RunRequest, app: App = Depends(get_app)) -> RunStatus:
        actor = services.Actor.http()
        record = await services.submit_run(
            app,
            body.project_id,
            actor=actor,
            interview=body.interview,
            provider=body.provider,
            model=body.model,
            resume=body.resume,
            restart=body.restart,
        )
        await services.dispatch_run(app, record, actor=actor)
        return RunStatus.of(record)

    @api.get("/runs/{run_id}", response_model=RunStatus)
    async def get_run(run_id: str, app: App = Depends(get_app)) -> RunStatus:
        return RunStatus.of(await services.get_run(app, run_id))

    @api.delete("/runs/{run_id}", response_model=RunStatus)
    async def delete_run(run_id: str, app: App = Depends(get_app)) -> RunStatus:
        """Cancel a run: a queued one ends ``cancelled`` now; a running one stops at its next await."""
        record = await services.get_run(app, run_id)
        await services.cancel_run(app, record.project_id, run_id, actor=services.Actor.http())
        return RunStatus.of(await services.get_run(app, run_id))

    @api.get("/runs/{run_id}/artifacts", response_model=Artifacts)
    async def get_artifacts(run_id: str, request: Request, app: App = Depends(get_app)) -> Any:
        record = await services.get_run(app, run_id)
        proxied = await services.proxy_if_elsewhere(app, request, record.project_id)
        if proxied is not None:
            return proxied
        commit, rev, files = await services.run_artifacts(app, run_id)
        base = app.settings.public_url
        return Artifacts(
            commit=commit,
            files=[
                ArtifactEntry(
                    path=f.path,
                    size=f.size,
                    blob_sha=f.blob_sha,
                    url=f"{base}/projects/{record.project_id}/files/{quote(f.path)}?rev={quote(rev, safe='')}",
                )
                for f in files
            ],
        )

    @api.get("/projects/{project_id}/files/{path:path}")
    async def get_file(
        project_id: str, path: str, request: Request, rev: str = "main", app: App = Depends(get_app)
    ) -> Response:
        proxied = await services.proxy_if_elsewhere(app, request, project_id)
        if proxied is not None:
            return proxied  # type: ignore[no-any-return]
        text = await services.show(app, project_id, path, rev=rev, published=True)
        media = (
            "text/markdown" if path.endswith(".md") else "application/json" if path.endswith(".json") else "text/plain"
        )
        return Response(text, media_type=f"{media}; charset=utf-8")

    @api.post("/nodes/retire/{project_id}", include_in_schema=False)
    async def retire(
        project_id: str, request: Request, refs: str | None = None, app: App = Depends(get_app)
    ) -> JSONResponse:
        """Another node, which a project moved to, asks this one to put its old copy in the trash."""
        retired = await services.retire_moved_project(app, project_id, request.headers.get("authorization"), refs=refs)
        return JSONResponse({"project_id": retired.project_id, "bundle": retired.bundle})

    @api.get("/healthz")
    async def healthz(app: App = Depends(get_app)) -> JSONResponse:
        checks = await services.health(app)
        return JSONResponse(
            {"status": "ok" if all(checks.values()) else "unhealthy", "checks": checks, "version": __version__},
            status_code=200 if all(checks.values()) else 503,
        )

    @api.get("/metrics")
    async def metrics(app: App = Depends(get_app)) -> Response:
        body, content_type = app.metrics.render()
        return Response(body, media_type=content_type)

    # Outermost: the token and the body limit are checked before anything reads the body.
    api.add_middleware(RunnerGuard, token=runner_token)

    @api.get("/", include_in_schema=False)
    async def index() -> PlainTextResponse:
        return PlainTextResponse(f"devussy-git {__version__}: see /docs for the runner API\n")

    return api


def is_loopback(host: str) -> bool:
    """True for an address only this machine can reach (127.0.0.0/8, ::1, localhost)."""
    import ipaddress

    if host.casefold() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name: it may resolve to anything


def serve(host: str = "127.0.0.1", port: int = 8000, *, allow_unauthenticated: bool = False) -> int:
    """Run the HTTP service until interrupted.

    The settings, the repos root, the database and the port are checked before
    uvicorn starts, so a mistake is one ``error:`` line and exit code 1. On a
    host other than loopback the runner API needs ``DEVUSSY_RUNNER_TOKEN``
    unless ``allow_unauthenticated`` says to serve it open.
    """
    import asyncio
    import socket

    import uvicorn

    settings = load_settings()
    if settings.runner_token is None and not is_loopback(host) and not allow_unauthenticated:
        raise InvalidInputError(
            f"Refusing to serve the runner API on {host} without a token: anyone who can reach "
            "it could start runs and read every project. Set DEVUSSY_RUNNER_TOKEN, or pass "
            "--allow-unauthenticated to serve it open on purpose."
        )

    if not settings.public_url_configured:
        # Clone URLs follow the address actually served (DEVUSSY_PUBLIC_URL overrides it).
        settings = settings.with_(public_url=_served_base(host, port))
    if settings.node_url is None:
        # Where the other nodes reach this one (DEVUSSY_NODE_URL overrides it).
        settings = settings.with_(node_url=_served_base(host, port))

    async def check() -> None:
        app = await build_app(settings)
        try:
            await services.check_queue_ready(app)
        finally:
            await app.close()

    asyncio.run(check())
    try:
        with socket.create_server((host, port), reuse_port=False):
            pass
    except OSError as exc:
        raise UnavailableError(f"Cannot listen on {host}:{port}: {exc.strerror or exc}.") from exc
    how = "from DEVUSSY_PUBLIC_URL" if settings.public_url_configured else "set DEVUSSY_PUBLIC_URL to change it"
    print(
        f"Clone URLs use {settings.public_url} ({how}); `devussy-git clone-url <project>` prints them.",
        file=sys.stderr,
        flush=True,
    )
    try:
        with services.advertise_served(settings.repos_root, settings.public_url):
            uvicorn.run(create_http_app(settings), host=host, port=port, log_level="info")
    except SystemExit as exc:
        return 0 if exc.code in (0, None) else 1
    return 0


def _served_base(host: str, port: int) -> str:
    """The base URL of ``host:port`` as a client would type it."""
    import socket

    if host in ("", "0.0.0.0", "::"):
        host = socket.gethostname()
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"
