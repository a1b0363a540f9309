"""The router keeps streaming, limiting and killing correctly inside an HTTP middleware."""

from __future__ import annotations

import base64
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.git_http.conftest import (
    PROJECT,
    GitServer,
    backend_pids,
    serve_router,
    wait_until_no_backend,
)
from tests.integration.git_http.gitrepos import git, make_plan_repo


@pytest.fixture(scope="module")
def wrapped(tmp_path_factory: pytest.TempPathFactory, genv: dict[str, str]) -> Iterator[GitServer]:
    root = tmp_path_factory.mktemp("wrapped")
    make_plan_repo(root / f"{PROJECT}.git", genv, commits=20)
    yield from serve_router(root, http_middleware=True)


@pytest.mark.parametrize("version", ["2", "0"])
def test_clone_and_refusals_work_inside_a_middleware(
    wrapped: GitServer, genv: dict[str, str], tmp_path: Path, version: str
) -> None:
    token = wrapped.access.token_for(PROJECT)
    target = tmp_path / "c"
    git("-c", f"protocol.version={version}", "clone", "--quiet", wrapped.url(PROJECT, token), str(target), env=genv)
    assert git("rev-list", "--count", "HEAD", env=genv, cwd=target).stdout.strip() == "20"
    assert git("ls-remote", wrapped.url(PROJECT), env=genv, check=False).returncode != 0


def test_backend_is_killed_when_the_client_leaves_inside_a_middleware(wrapped: GitServer) -> None:
    token = wrapped.access.token_for(PROJECT)
    sock = socket.create_connection(("127.0.0.1", wrapped.port), timeout=30)
    auth = base64.b64encode(f"x:{token}".encode()).decode()
    sock.sendall(
        (
            f"POST /git/{PROJECT}.git/git-upload-pack HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Authorization: Basic {auth}\r\nContent-Length: 1000\r\n"
            "Content-Type: application/x-git-upload-pack-request\r\n\r\n0032want "
        ).encode()
    )
    deadline = time.monotonic() + 10
    while not backend_pids(wrapped.root) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert backend_pids(wrapped.root), "the backend never started"
    sock.close()
    assert wait_until_no_backend(wrapped.root) == set()
