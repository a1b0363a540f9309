"""The runner API checks its token before it reads a body, and bounds the body.

Against ``devussy-git serve`` as a user starts it, over raw sockets so the test
controls exactly what is sent and when.
"""

from __future__ import annotations

import json
import socket
import time
from pathlib import Path

import httpx
import pytest

from devussy_git.faces.http_guard import MAX_BODY_BYTES
from tests.e2e.conftest import DEMO_ANSWERS, Cli, serving
from tests.support.gitcli import git

TOKEN = "runner-token-Zq3xY8kLmN0pQrStUvWxYz0123"


def _peak_rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise AssertionError("no VmHWM")


def _raw(base: str, head: str, body_chunks: int = 0, chunk: bytes = b"") -> tuple[int, float]:
    """Send ``head`` then up to ``body_chunks`` chunks; the status and seconds to it."""
    host, port = base.removeprefix("http://").split(":")
    started = time.monotonic()
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        sock.sendall(head.encode())
        sock.settimeout(0.01)
        status_line = b""
        for _ in range(body_chunks):
            try:
                sock.sendall(chunk)
            except OSError:
                break  # the server answered and closed
            try:
                status_line += sock.recv(64)
                if status_line:
                    break
            except TimeoutError:
                continue
        sock.settimeout(30)
        while b"\r\n" not in status_line:
            data = sock.recv(64)
            if not data:
                break
            status_line += data
    return int(status_line.split(b" ")[1]), time.monotonic() - started


@pytest.mark.slow
def test_a_huge_body_without_the_token_is_refused_unread(tmp_path: Path) -> None:
    with serving(Cli(tmp_path), DEVUSSY_RUNNER_TOKEN=TOKEN) as served:
        pid = served.proc.pid
        before = _peak_rss_kb(pid)
        size = 60 * 2**20
        head = f"POST /runs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {size}\r\n\r\n"
        status, _ = _raw(served.base, head, body_chunks=size // 2**16, chunk=b" " * 2**16)
        assert status == 401
        # with the token, the size alone refuses it
        status, _ = _raw(served.base, head.replace("Host: x", f"Host: x\r\nAuthorization: Bearer {TOKEN}"))
        assert status == 413
        # a chunked body that grows past the limit is cut off too
        chunked = (
            f"POST /runs HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TOKEN}\r\n"
            "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
        )
        piece = b" " * 2**16
        status, _ = _raw(
            served.base, chunked, body_chunks=size // 2**16, chunk=f"{len(piece):x}\r\n".encode() + piece + b"\r\n"
        )
        assert status == 413
        grown_mb = (_peak_rss_kb(pid) - before) / 1024
        assert grown_mb < 20, f"peak memory grew {grown_mb:.0f} MB"
        # and a real interview still fits
        ok = httpx.post(
            f"{served.base}/runs",
            headers={"Authorization": f"Bearer {TOKEN}"},
            timeout=30,
            json={"project_id": "fits", "interview": json.loads(DEMO_ANSWERS.read_text())},
        )
        assert ok.status_code == 202, ok.text


def test_the_largest_legitimate_interview_fits_the_limit() -> None:
    from devussy_git.plan.questions import QUESTIONS

    worst = {q.id: "\u00e9" * q.max_length for q in QUESTIONS}  # every character escaped as \\u00e9
    body = json.dumps({"project_id": "p" * 63, "interview": worst, "provider": "p" * 32, "model": "m" * 200})
    assert len(body.encode()) < MAX_BODY_BYTES


@pytest.mark.parametrize("path", ["/docs", "/openapi.json", "/runs/x", "/projects/p/files/devplan.md"])
def test_every_api_path_needs_the_token_when_set(tmp_path: Path, path: str) -> None:
    from fastapi.testclient import TestClient

    from devussy_git.config import load_settings
    from devussy_git.faces.http import create_http_app

    settings = load_settings(
        {
            "DEVUSSY_REPOS_ROOT": str(tmp_path / "repos"),
            "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/s.db",
            "DEVUSSY_RUNNER_TOKEN": TOKEN,
        },
        dotenv_path=None,
    )
    with TestClient(create_http_app(settings)) as client:
        refused = client.get(path)
        assert refused.status_code == 401 and refused.headers["www-authenticate"] == "Bearer"
        assert client.get(path, headers={"Authorization": f"Bearer {TOKEN}"}).status_code != 401
        assert client.get("/healthz").status_code == 200


def test_serve_on_a_network_address_without_a_token_refuses_to_start(tmp_path: Path) -> None:
    cli = Cli(tmp_path)
    refused = cli("serve", "--host", "0.0.0.0", "--port", "1", timeout=60)
    assert refused.code == 1
    assert "DEVUSSY_RUNNER_TOKEN" in refused.err and "--allow-unauthenticated" in refused.err
    assert "Traceback" not in refused.err
    assert "--allow-unauthenticated" in cli("serve", "--help").out


@pytest.mark.parametrize("host", ["127.0.0.1", "127.8.9.1", "::1", "localhost", "[::1]"])
def test_loopback_hosts(host: str) -> None:
    from devussy_git.faces.http import is_loopback

    assert is_loopback(host)


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "10.0.0.5", "example.org", "127.0.0.1.nip.io"])
def test_network_hosts(host: str) -> None:
    from devussy_git.faces.http import is_loopback

    assert not is_loopback(host)


def test_file_reads_see_only_what_a_clone_sees(tmp_path: Path) -> None:
    cli = Cli(tmp_path)
    assert cli("new", "shop", "--answers", str(DEMO_ANSWERS)).code == 0
    assert cli("run", "shop").code == 0
    preview = cli("handoff-next", "shop", "--preview", "--note", "a private preview")
    assert preview.code == 0, preview.err
    main_shas = [c["sha"] for c in cli("log", "shop", "--json").json()]  # newest first
    repo = tmp_path / "repos" / "shop.git"
    hidden = [line.split()[0] for line in git(repo, "for-each-ref", "refs/proposals").splitlines()]
    assert hidden, "the preview made a proposal ref"
    with serving(cli) as served:
        get = lambda rev: httpx.get(  # noqa: E731
            f"{served.base}/projects/shop/files/devplan.md",
            params={"rev": rev},
            timeout=30,
        )
        assert get("main").status_code == 200
        assert get(main_shas[1]).status_code == 200  # an older commit on main
        assert get(main_shas[0][:8]).status_code == 200
        for rev in (*hidden, "main~1", ":/Devussy", "refs/proposals/x", "main@{0}"):
            refused = get(rev)
            assert refused.status_code == 404, (rev, refused.text)
