"""Body size limit, backend time limit, and killing the backend when the client leaves."""

from __future__ import annotations

import base64
import os
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.integration.git_http.conftest import (
    PROJECT,
    GitServer,
    backend_pids,
    serve_router,
    wait_until_no_backend,
)
from tests.integration.git_http.gitrepos import git, make_plan_repo

BODY_LIMIT = 4096
TIMEOUT_S = 1.5


@pytest.fixture(scope="module")
def limited(tmp_path_factory: pytest.TempPathFactory, genv: dict[str, str]) -> Iterator[GitServer]:
    root = tmp_path_factory.mktemp("limited")
    make_plan_repo(root / f"{PROJECT}.git", genv, commits=3)
    _add_big_blob(root / f"{PROJECT}.git", genv, tmp_path_factory.mktemp("big"))
    yield from serve_router(root, max_body_bytes=BODY_LIMIT, backend_timeout_s=TIMEOUT_S)


def _add_big_blob(bare: Path, env: dict[str, str], work: Path) -> None:
    """Put 8 MB of incompressible data on main, so a clone's pack takes a while to stream."""
    git("clone", "--quiet", f"file://{bare}", str(work / "w"), env=env)
    (work / "w" / "big.bin").write_bytes(os.urandom(8 * 2**20))
    git("add", "big.bin", env=env, cwd=work / "w")
    git("commit", "--quiet", "-m", "big", env=env, cwd=work / "w")
    git("push", "--quiet", "origin", "HEAD:main", env=env, cwd=work / "w")


def _auth(server: GitServer) -> str:
    token = server.access.token_for(PROJECT)
    return "Basic " + base64.b64encode(f"x:{token}".encode()).decode()


def _open_post(server: GitServer, content_length: int | None, first_body: bytes, extra: str = "") -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=30)
    length = f"Content-Length: {content_length}\r\n" if content_length is not None else ""
    chunked = "" if content_length is not None else "Transfer-Encoding: chunked\r\n"
    head = (
        f"POST /git/{PROJECT}.git/git-upload-pack HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Authorization: {_auth(server)}\r\n"
        "Content-Type: application/x-git-upload-pack-request\r\n"
        f"{length}{chunked}{extra}\r\n"
    )
    sock.sendall(head.encode() + first_body)
    return sock


def _status_of(sock: socket.socket) -> int:
    data = b""
    while b"\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
    return int(data.split(b" ", 2)[1])


def test_declared_oversize_body_gets_413_without_starting_the_backend(limited: GitServer) -> None:
    sock = _open_post(limited, BODY_LIMIT + 1, b"")
    try:
        assert _status_of(sock) == 413
    finally:
        sock.close()
    assert backend_pids(limited.root) == set()


def test_streamed_oversize_body_gets_413(limited: GitServer) -> None:
    chunk = b"0032want " + b"a" * 40 + b"\n"
    body = chunk * (BODY_LIMIT // len(chunk) + 10)
    response = httpx.post(
        f"{limited.url(PROJECT)}/git-upload-pack",
        headers={"Authorization": _auth(limited), "Content-Type": "application/x-git-upload-pack-request"},
        content=iter([body[:1000], body[1000:]]),  # an iterator: sent chunked, no length
    )
    assert response.status_code == 413
    assert wait_until_no_backend(limited.root) == set()


def test_backend_is_killed_and_504_sent_when_the_time_limit_passes(limited: GitServer) -> None:
    sock = _open_post(limited, 1000, b"0032want ")  # promise 1000 bytes, send 9, then stall
    try:
        started = time.monotonic()
        status = _status_of(sock)
        assert status == 504
        assert time.monotonic() - started < 60  # it did not hang; the limit is 1.5 s
    finally:
        sock.close()
    assert wait_until_no_backend(limited.root) == set()


def test_a_stalled_v2_request_body_gets_408(limited: GitServer) -> None:
    sock = _open_post(limited, 1000, b"0014command=fetch\n", extra="Git-Protocol: version=2\r\n")
    try:
        assert _status_of(sock) == 408
    finally:
        sock.close()
    assert backend_pids(limited.root) == set()


def test_backend_is_killed_when_the_client_leaves_mid_request(limited: GitServer) -> None:
    sock = _open_post(limited, 1000, b"0032want ")
    deadline = time.monotonic() + 10
    while not backend_pids(limited.root) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert backend_pids(limited.root), "the backend never started"
    sock.close()
    assert wait_until_no_backend(limited.root) == set()


def test_backend_is_killed_when_the_client_leaves_mid_pack(limited: GitServer, genv: dict[str, str]) -> None:
    main = git("rev-parse", "main", env=genv, cwd=limited.root / f"{PROJECT}.git").stdout.strip()
    request = f"0032want {main}\n00000009done\n".encode()
    sock = _open_post(limited, len(request), request)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    first = sock.recv(1024)
    assert first.startswith(b"HTTP/1.1 200")
    assert backend_pids(limited.root), "the pack was already sent; nothing left to kill"
    sock.close()
    assert wait_until_no_backend(limited.root) == set()


def test_metrics_record_refusals_and_served_requests(limited: GitServer) -> None:
    body, content_type = limited.metrics.render()
    assert content_type.startswith("text/plain")
    text = body.decode()
    assert (
        'devussy_http_requests_total{method="POST",route="/git/{project_id}.git/git-upload-pack",status="413"}' in text
    )
    assert 'status="504"' in text


def test_a_backend_that_cannot_start_gives_503(
    limited: GitServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import devussy_git.gitserve.backend as backend_module

    monkeypatch.setattr(backend_module, "backend_command", lambda: (str(tmp_path / "no-git"),))
    response = httpx.get(
        f"{limited.url(PROJECT)}/info/refs?service=git-upload-pack",
        headers={"Authorization": _auth(limited)},
    )
    assert response.status_code == 503
    assert "unavailable" in response.text
