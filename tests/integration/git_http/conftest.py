"""Fixtures: plan repos built with git, and the git router served by real uvicorn."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI, Request, Response

from devussy_git.config import Secret
from devussy_git.gitserve import CloneAccess, make_git_router
from devussy_git.metrics import Metrics
from tests.integration.git_http.gitrepos import git_env, make_plan_repo

PROJECT = "shop-api"
BIG_PROJECT = "big-plan"
PUBLIC_PROJECT = "open-plan"


@dataclass(frozen=True)
class GitServer:
    """A running uvicorn serving the git router on 127.0.0.1."""

    base_url: str
    root: Path
    access: CloneAccess
    metrics: Metrics

    def url(self, project_id: str, token: str | None = None) -> str:
        netloc = self.base_url.removeprefix("http://")
        userinfo = f"x:{token}@" if token else ""
        return f"http://{userinfo}{netloc}/git/{project_id}.git"

    @property
    def port(self) -> int:
        return int(self.base_url.rsplit(":", 1)[1])


def serve_router(
    root: Path,
    *,
    max_body_bytes: int = 50 * 2**20,
    backend_timeout_s: float = 300,
    http_middleware: bool = False,
) -> Iterator[GitServer]:
    """Start uvicorn in a thread on an ephemeral port; stop it afterwards.

    ``http_middleware`` wraps the app in a pass-through ``@app.middleware("http")``
    (Starlette's BaseHTTPMiddleware), as the service app does for its metrics.
    """
    access = CloneAccess(root, Secret("test-secret-" + "ab" * 16))
    metrics = Metrics()
    app = FastAPI()
    if http_middleware:

        @app.middleware("http")
        async def passthrough(request: Request, call_next: Any) -> Response:
            response: Response = await call_next(request)
            return response

    app.include_router(
        make_git_router(
            root,
            access,
            metrics=metrics,
            max_body_bytes=max_body_bytes,
            backend_timeout_s=backend_timeout_s,
        )
    )
    # proto=IPPROTO_TCP matters: asyncio only sets TCP_NODELAY on sockets that say they are
    # TCP, and without it keep-alive requests stall ~40 ms (Nagle + delayed ACK).
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_config=None, lifespan="off", access_log=True, log_level="debug"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield GitServer(f"http://127.0.0.1:{port}", root, access, metrics)
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        sock.close()


@pytest.fixture(scope="module")
def client_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("home")


@pytest.fixture(scope="module")
def genv(client_home: Path) -> dict[str, str]:
    """Environment for git clients in these tests."""
    return git_env(client_home)


@pytest.fixture(scope="module")
def repos_root(tmp_path_factory: pytest.TempPathFactory, genv: dict[str, str]) -> Path:
    root = tmp_path_factory.mktemp("repos")
    make_plan_repo(root / f"{PROJECT}.git", genv, commits=6, runs=2, proposals=2)
    make_plan_repo(root / f"{PUBLIC_PROJECT}.git", genv, commits=3, runs=1, proposals=1)
    return root


@pytest.fixture(scope="module")
def server(repos_root: Path) -> Iterator[GitServer]:
    yield from serve_router(repos_root)


@pytest.fixture(scope="module")
def token(server: GitServer) -> str:
    return server.access.token_for(PROJECT)


def backend_pids(root: Path) -> set[int]:
    """Pids of live processes started for ``root`` (their env names it as project root)."""
    marker = f"GIT_PROJECT_ROOT={root.resolve()}".encode()
    found: set[int] = set()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            environ = Path(f"/proc/{entry}/environ").read_bytes()
            state = Path(f"/proc/{entry}/stat").read_text().split(") ", 1)[1][0]
        except OSError:
            continue
        if marker in environ.split(b"\0") and state != "Z":
            found.add(int(entry))
    return found


def wait_until_no_backend(root: Path, deadline_s: float = 20.0) -> set[int]:
    """Poll until no backend process for ``root`` is left; return what remains at the end."""
    end = time.monotonic() + deadline_s
    remaining = backend_pids(root)
    while remaining and time.monotonic() < end:
        time.sleep(0.05)
        remaining = backend_pids(root)
    return remaining
