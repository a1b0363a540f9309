"""The runner API: FastAPI's test client, then real uvicorn on 127.0.0.1 with a
real ``git clone`` through the same service."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi.testclient import TestClient

from devussy_git.config import load_settings
from devussy_git.faces.http import create_http_app
from tests.e2e.conftest import DEMO_ANSWERS
from tests.support.gitcli import git


def _settings(tmp_path: Path, **env: str) -> Any:
    return load_settings(
        {
            "DEVUSSY_REPOS_ROOT": str(tmp_path / "repos"),
            "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/state.db",
            **env,
        },
        dotenv_path=None,
    )


def _answers() -> dict[str, Any]:
    return dict(json.loads(DEMO_ANSWERS.read_text()))


def _wait_done(get: Any, run_id: str, timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        body = get(f"/runs/{run_id}").json()
        if body["state"] in ("completed", "failed"):
            return dict(body)
        assert time.monotonic() < deadline, f"run still {body['state']}"
        time.sleep(0.05)


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    with TestClient(create_http_app(_settings(tmp_path))) as c:
        yield c


def test_post_run_then_status_artifacts_and_files(client: TestClient, tmp_path: Path) -> None:
    r = client.post("/runs", json={"project_id": "shop-api", "interview": _answers()})
    assert r.status_code == 202, r.text
    run = r.json()
    assert set(run) == {"run_id", "project_id", "state", "stage", "stages", "error"}
    assert run["project_id"] == "shop-api" and run["state"] in ("queued", "running")

    done = _wait_done(client.get, run["run_id"])
    assert done["state"] == "completed" and done["error"] is None
    assert [s["name"] for s in done["stages"]] == [
        "interview",
        "complexity",
        "design",
        "validation",
        "devplan",
        "phases",
        "handoff",
    ]
    assert all(s["state"] == "completed" and s["commit"] for s in done["stages"])
    assert set(done["stages"][0]) == {"name", "state", "commit", "started_at", "finished_at", "error"}

    repo = tmp_path / "repos" / "shop-api.git"
    art = client.get(f"/runs/{run['run_id']}/artifacts").json()
    assert art["commit"] == git(repo, "rev-parse", "main").strip()
    by_path = {f["path"]: f for f in art["files"]}
    assert by_path["handoff.md"]["blob_sha"] == git(repo, "rev-parse", "main:handoff.md").strip()
    assert by_path["handoff.md"]["url"].endswith(f"/projects/shop-api/files/handoff.md?rev={art['commit']}")

    text = client.get("/projects/shop-api/files/handoff.md").text
    assert text == git(repo, "show", "main:handoff.md")
    old = client.get("/projects/shop-api/files/interview.json", params={"rev": done["stages"][0]["commit"]})
    assert old.status_code == 200 and json.loads(old.text)["project_name"] == "Shop API"


def test_errors_are_json_with_the_right_status(client: TestClient) -> None:
    r = client.get("/runs/nope")
    assert r.status_code == 404 and "nope" in r.json()["detail"]
    r = client.post("/runs", json={"project_id": "ghost"})
    assert r.status_code == 404
    r = client.post("/runs", json={"interview": {}})
    assert r.status_code == 422 and "project_id" in json.dumps(r.json())
    r = client.post("/runs", json={"project_id": "x", "colour": "red"})
    assert r.status_code == 422
    r = client.post("/runs", json={"project_id": "Bad/../id", "interview": _answers()})
    assert r.status_code == 422
    r = client.post("/runs", json={"project_id": "bad-answers", "interview": {"project_name": "x"}})
    assert r.status_code == 422 and r.json()["problems"]
    for path in ("/projects/ghost/files/a.md", "/projects/..%2f..%2fetc/files/passwd"):
        assert client.get(path).status_code in (404, 422)


def test_a_second_run_of_a_busy_project_is_409(client: TestClient) -> None:
    r = client.post("/runs", json={"project_id": "busy", "interview": _answers()})
    assert r.status_code == 202
    second = client.post("/runs", json={"project_id": "busy"})
    first_state = client.get(f"/runs/{r.json()['run_id']}").json()["state"]
    if first_state in ("queued", "running"):
        assert second.status_code == 409, second.text
    _wait_done(client.get, r.json()["run_id"])


def test_file_paths_cannot_escape_the_plan(client: TestClient) -> None:
    r = client.post("/runs", json={"project_id": "safe", "interview": _answers()})
    _wait_done(client.get, r.json()["run_id"])
    for path in ("../state.db", ".git/config", "/etc/passwd", "%2e%2e/state.db"):
        got = client.get(f"/projects/safe/files/{path}")
        assert got.status_code in (404, 422), (path, got.status_code)


def test_health_and_metrics(client: TestClient) -> None:
    r = client.get("/healthz")
    assert r.status_code == 200
    assert r.json()["checks"] == {"repos_root_writable": True, "database": True}
    client.get("/runs/unknown")
    metrics = client.get("/metrics")
    assert metrics.status_code == 200
    assert 'devussy_http_requests_total{method="GET",route="/runs/{run_id}",status="404"}' in metrics.text


def test_runner_token_is_required_when_set(tmp_path: Path) -> None:
    with TestClient(create_http_app(_settings(tmp_path, DEVUSSY_RUNNER_TOKEN="s3cret-token"))) as c:
        assert c.get("/runs/x").status_code == 401
        assert c.get("/runs/x", headers={"Authorization": "Bearer wrong"}).status_code == 401
        assert c.get("/runs/x", headers={"Authorization": "Bearer s3cret-token"}).status_code == 404
        assert c.get("/healthz").status_code == 200


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_real_uvicorn_run_then_git_clone(tmp_path: Path) -> None:
    port = _free_port()
    settings = _settings(tmp_path, DEVUSSY_PUBLIC_URL=f"http://127.0.0.1:{port}")
    server = uvicorn.Server(uvicorn.Config(create_http_app(settings), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 20
        while not server.started:
            assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
            time.sleep(0.02)
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as http:
            r = http.post("/runs", json={"project_id": "cloneme", "interview": _answers()})
            assert r.status_code == 202
            done = _wait_done(http.get, r.json()["run_id"])
            assert done["state"] == "completed"

        from devussy_git.gitserve import CloneAccess, load_or_create_secret_key

        root = (tmp_path / "repos").resolve()
        token = CloneAccess(root, load_or_create_secret_key(root, None)).token_for("cloneme")
        dest = tmp_path / "clone"
        done_clone = subprocess.run(
            ["git", "clone", "-q", f"http://x:{token}@127.0.0.1:{port}/git/cloneme.git", str(dest)],
            capture_output=True,
            text=True,
            timeout=60,
            env={"GIT_TERMINAL_PROMPT": "0", "HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
        )
        assert done_clone.returncode == 0, done_clone.stderr
        assert (dest / "handoff.md").read_text() == git(root / "cloneme.git", "show", "main:handoff.md")
        tags = git(dest, "tag", "--list").split()
        assert tags == [f"run/{done['run_id']}"]
    finally:
        server.should_exit = True
        thread.join(10)


def test_a_refused_run_request_writes_nothing(client: TestClient, tmp_path: Path) -> None:
    r = client.post("/runs", json={"project_id": "h1", "interview": _answers(), "provider": "bogus"})
    assert r.status_code == 422 and "bogus" in r.json()["detail"]
    assert not (tmp_path / "repos" / "h1.git").exists()
    r = client.post("/runs", json={"project_id": "h2", "interview": _answers(), "resume": True})
    assert r.status_code == 422 and not (tmp_path / "repos" / "h2.git").exists()


def test_posting_the_same_interview_again_adds_no_commit(client: TestClient, tmp_path: Path) -> None:
    first = client.post("/runs", json={"project_id": "same", "interview": _answers()}).json()
    _wait_done(client.get, first["run_id"])
    second = client.post("/runs", json={"project_id": "same", "interview": _answers()}).json()
    _wait_done(client.get, second["run_id"])
    subjects = git(tmp_path / "repos" / "same.git", "log", "--format=%s", "main").splitlines()
    assert sum(1 for s in subjects if s.startswith("interview:")) == 1
    assert len(subjects) == 13  # interview + 2 x 6 stages


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("requirements", "Cart\x00and checkout"),
        ("project_name", "Shop \x1b[2J API"),
        ("external_apis", ["Stripe", "Send\x07Grid"]),
    ],
)
def test_control_characters_in_an_interview_are_refused_before_anything_is_written(
    client: TestClient, tmp_path: Path, field: str, value: object
) -> None:
    r = client.post("/runs", json={"project_id": "ctl", "interview": {**_answers(), field: value}})
    assert r.status_code == 422, r.text
    assert field in r.text and "U+00" in r.text
    assert not (tmp_path / "repos" / "ctl.git").exists()


def test_a_new_run_of_a_plan_with_progress_needs_restart_true(client: TestClient, tmp_path: Path) -> None:
    first = client.post("/runs", json={"project_id": "prog", "interview": _answers()}).json()
    assert _wait_done(client.get, first["run_id"])["state"] == "completed"
    from devussy_git import services

    app = client.app.state.app  # type: ignore[attr-defined]
    client.portal.call(lambda: services.handoff_next(app, "prog", actor=services.Actor.http()))
    refused = client.post("/runs", json={"project_id": "prog"})
    assert refused.status_code == 409
    assert refused.json()["restart_required"] is True and "steps done" in refused.json()["detail"]
    again = client.post("/runs", json={"project_id": "prog", "restart": True})
    assert again.status_code == 202, again.text
    assert _wait_done(client.get, again.json()["run_id"])["state"] == "completed"


def test_an_archived_project_refuses_runs_with_409_and_still_serves_its_files(
    client: TestClient, tmp_path: Path
) -> None:
    run = client.post("/runs", json={"project_id": "shop-api", "interview": _answers()}).json()
    assert _wait_done(client.get, run["run_id"])["state"] == "completed"
    repos = tmp_path / "repos"
    subprocess.run(
        [sys.executable, "-m", "devussy_git", "archive", "shop-api"],
        env={
            **os.environ,
            "DEVUSSY_REPOS_ROOT": str(repos),
            "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/state.db",
        },
        check=True,
        capture_output=True,
    )
    head = git(repos / "shop-api.git", "rev-parse", "main")
    r = client.post("/runs", json={"project_id": "shop-api", "restart": True})
    assert r.status_code == 409 and "archived" in r.json()["detail"] and "restore" in r.json()["detail"]
    assert git(repos / "shop-api.git", "rev-parse", "main") == head
    assert client.get("/projects/shop-api/files/handoff.md").status_code == 200
