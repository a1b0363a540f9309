"""``devussy-git serve`` as a user starts it: real uvicorn with its default log config.

Every HTTP request gives exactly one access line, no handler fails
(``--- Logging error ---``) and no token reaches the log.
"""

from __future__ import annotations

import json
import re
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import DEMO_ANSWERS, Cli, serving

RUNNER_TOKEN = "runner-Zq3xY8kLmN0pQrStUvWxYz0123456789"
# uvicorn's default access line: INFO:     127.0.0.1:40000 - "GET /healthz HTTP/1.1" 200 OK
ACCESS_LINE = re.compile(r'^INFO: +127\.0\.0\.1:\d+ - "(?P<method>[A-Z]+) (?P<path>\S+) HTTP/1\.1" (?P<status>\d{3})')


@pytest.mark.slow
def test_twenty_mixed_requests_give_twenty_clean_access_lines(tmp_path: Path) -> None:
    cli = Cli(tmp_path)
    sent = 0
    with serving(cli, DEVUSSY_RUNNER_TOKEN=RUNNER_TOKEN) as served:
        base = served.base
        sent += 1  # the last health check that answered
        auth = {"Authorization": f"Bearer {RUNNER_TOKEN}"}
        with httpx.Client(base_url=base, headers=auth, timeout=30) as http:
            run = http.post("/runs", json={"project_id": "shop-api", "interview": json.loads(DEMO_ANSWERS.read_text())})
            sent += 1
            assert run.status_code == 202, run.text
            run_id = run.json()["run_id"]
            while True:
                state = http.get(f"/runs/{run_id}").json()["state"]
                sent += 1
                if state in ("completed", "failed"):
                    break
                time.sleep(0.2)
            assert state == "completed"
            for path in (
                "/healthz",
                "/metrics",
                f"/runs/{run_id}/artifacts",
                "/projects/shop-api/files/devplan.md",
                "/runs/nope",
                "/projects/shop-api/files/nope.md",
            ):
                http.get(path)
                sent += 1
            assert httpx.get(f"{base}/runs/{run_id}", timeout=30).status_code == 401  # no token
            sent += 1
            while sent < 14:
                http.get("/healthz")
                sent += 1
        clone_cmd = cli("clone-url", "shop-api", "--json")
        assert clone_cmd.code == 0, clone_cmd.err
        clone_url = clone_cmd.json()["url"]
        trace = tmp_path / "curl-trace.txt"
        git_env = {**cli.env, "GIT_TERMINAL_PROMPT": "0"}
        done = subprocess.run(
            ["git", "clone", "-q", clone_url, str(tmp_path / "clone")],
            capture_output=True,
            text=True,
            env={**git_env, "GIT_TRACE_CURL": str(trace), "GIT_TRACE_CURL_NO_DATA": "1"},
            timeout=120,
        )
        assert (tmp_path / "clone" / "devplan.md").is_file(), done.stderr
        # A wrong token is refused and logged like any request.
        wrong = clone_url.replace(clone_url.split("@")[0].rsplit(":", 1)[1], "wrong")
        refused = subprocess.run(
            ["git", "ls-remote", wrong],
            capture_output=True,
            text=True,
            env={**git_env, "GIT_TRACE_CURL": str(trace), "GIT_TRACE_CURL_NO_DATA": "1"},
            timeout=60,
        )
        assert refused.returncode != 0
        # git asks first without credentials, then with them: count what it sent.
        git_requests = len(re.findall(r"=> Send header: (?:GET|POST) ", trace.read_text()))
        assert git_requests >= 4
        sent += git_requests
    log = served.output
    assert "Logging error" not in log
    assert RUNNER_TOKEN not in log
    token = clone_url.split("@")[0].rsplit(":", 1)[1]
    assert token not in log
    access = [m for line in log.splitlines() if (m := ACCESS_LINE.match(line))]
    assert len(access) == sent, log
    assert any(m["path"].startswith("/git/") and m["status"] == "401" for m in access)
    assert sent >= 20
    assert {m["method"] for m in access} >= {"GET", "POST"}
