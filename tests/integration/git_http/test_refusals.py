"""What the router refuses: no token, wrong token, unknown project, push, dumb HTTP, traversal."""

from __future__ import annotations

import base64
import http.client
from pathlib import Path

import httpx
import pytest

from tests.integration.git_http.conftest import PROJECT, GitServer
from tests.integration.git_http.gitrepos import git, make_plan_repo

ADVERTISEMENT = "info/refs?service=git-upload-pack"


def _basic(token: str, user: str = "x") -> dict[str, str]:
    raw = base64.b64encode(f"{user}:{token}".encode()).decode()
    return {"Authorization": f"Basic {raw}"}


def _raw_get(server: GitServer, target: str, headers: dict[str, str]) -> tuple[int, bytes]:
    """GET with the request target sent byte for byte (no dot-segment cleanup)."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        conn.putrequest("GET", target, skip_accept_encoding=True)
        for name, value in headers.items():
            conn.putheader(name, value)
        conn.endheaders()
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def test_any_user_name_works_with_the_token(server: GitServer, token: str) -> None:
    for user in ("x", "alice", ""):
        response = httpx.get(f"{server.url(PROJECT)}/{ADVERTISEMENT}", headers=_basic(token, user))
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/x-git-upload-pack-advertisement"


def test_missing_wrong_token_and_unknown_project_get_the_identical_401(server: GitServer, token: str) -> None:
    cases = [
        (PROJECT, {}),
        (PROJECT, _basic("wrong-token")),
        (PROJECT, {"Authorization": "Bearer " + token}),
        (PROJECT, {"Authorization": "Basic !!not-base64"}),
        ("no-such-project", {}),
        ("no-such-project", _basic(token)),
    ]
    answers = set()
    for project, headers in cases:
        response = httpx.get(f"{server.url(project)}/{ADVERTISEMENT}", headers=headers)
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == 'Basic realm="devussy"'
        kept = tuple(sorted((k, v) for k, v in response.headers.items() if k != "date"))
        answers.add((kept, response.content))
    assert len(answers) == 1
    post = httpx.post(f"{server.url('no-such-project')}/git-upload-pack", content=b"0000")
    assert post.status_code == 401


def test_git_client_without_token_is_refused(server: GitServer, genv: dict[str, str], tmp_path: Path) -> None:
    result = git("clone", server.url(PROJECT), str(tmp_path / "c"), env=genv, check=False)
    assert result.returncode != 0
    assert not (tmp_path / "c" / "devplan.md").exists()


def test_push_is_refused_with_403_even_with_a_valid_token(
    server: GitServer, token: str, genv: dict[str, str], tmp_path: Path
) -> None:
    bare = server.root / f"{PROJECT}.git"
    before = git("rev-parse", "main", env=genv, cwd=bare).stdout
    work = tmp_path / "c"
    git("clone", "--quiet", server.url(PROJECT, token), str(work), env=genv)
    (work / "evil.md").write_text("pushed\n")
    git("add", "evil.md", env=genv, cwd=work)
    git("commit", "--quiet", "-m", "evil", env=genv, cwd=work)
    pushed = git("push", "origin", "HEAD:main", env=genv, cwd=work, check=False)
    assert pushed.returncode != 0
    assert "403" in pushed.stderr
    assert git("rev-parse", "main", env=genv, cwd=bare).stdout == before
    probe = httpx.get(f"{server.url(PROJECT)}/info/refs?service=git-receive-pack", headers=_basic(token))
    assert probe.status_code == 403
    post = httpx.post(
        f"{server.url(PROJECT)}/git-receive-pack",
        headers={**_basic(token), "Content-Type": "application/x-git-receive-pack-request"},
        content=b"0000",
    )
    assert post.status_code == 403


@pytest.mark.parametrize(
    "rest",
    [
        "HEAD",
        "info/refs",
        "info/packs",
        "objects/info/packs",
        "objects/info/alternates",
        "objects/12/fe95225c7dcbbd97ac5ea3e398d1dcb63a6004",
        "config",
        "devussy-access.json",
    ],
)
def test_dumb_http_and_other_files_are_not_served(server: GitServer, token: str, rest: str) -> None:
    response = httpx.get(f"{server.url(PROJECT)}/{rest}", headers=_basic(token))
    assert response.status_code == 404
    assert b"salt" not in response.content


def test_wrong_methods_are_refused(server: GitServer, token: str) -> None:
    assert httpx.post(f"{server.url(PROJECT)}/{ADVERTISEMENT}", headers=_basic(token)).status_code == 405
    assert httpx.get(f"{server.url(PROJECT)}/git-upload-pack", headers=_basic(token)).status_code == 405


@pytest.mark.parametrize(
    "target",
    [
        "/git/../x",
        "/git/%2e%2e/%2e%2e/etc/passwd",
        "/git/%2E%2E/shop-api.git/info/refs?service=git-upload-pack",
        f"/git/{PROJECT}.git/../../etc/passwd",
        f"/git/{PROJECT}.git/%2e%2e/%2e%2e/etc/passwd",
        f"/git/{PROJECT}.git/info/../../../etc/passwd",
        "/git//etc/passwd",
        "/git//etc.git/info/refs?service=git-upload-pack",
        "/git/..%2f..%2fetc.git/info/refs?service=git-upload-pack",
        "/git/Shop-Api.git/info/refs?service=git-upload-pack",
        "/git/.git/info/refs?service=git-upload-pack",
        "/git/shop-api/info/refs?service=git-upload-pack",
    ],
)
def test_traversal_attempts_get_404(server: GitServer, token: str, target: str) -> None:
    status, body = _raw_get(server, target, _basic(token))
    assert status in (400, 404)
    assert b"root:" not in body and b"refs/heads" not in body


def test_symlink_to_a_repo_outside_the_root_is_not_served(
    server: GitServer, genv: dict[str, str], tmp_path: Path
) -> None:
    outside = tmp_path / "outside.git"
    make_plan_repo(outside, genv, commits=2, runs=0, proposals=0)
    link = server.root / "escape.git"
    link.symlink_to(outside)
    try:
        for rest in (ADVERTISEMENT, "HEAD"):
            status, body = _raw_get(server, f"/git/escape.git/{rest}", {})
            assert status == 404
            assert b"refs/heads" not in body
        assert not (outside / "devussy-access.json").exists()
        assert not (outside / "devussy-access.lock").exists()
    finally:
        link.unlink()


def test_symlink_to_a_repo_inside_the_root_is_served(server: GitServer, token: str) -> None:
    link = server.root / "alias.git"
    link.symlink_to(server.root / f"{PROJECT}.git")
    try:
        alias_token = server.access.token_for("alias")
        ok = httpx.get(f"{server.url('alias')}/{ADVERTISEMENT}", headers=_basic(alias_token))
        assert ok.status_code == 200
        assert b"refs/heads/main" in ok.content
    finally:
        link.unlink()
