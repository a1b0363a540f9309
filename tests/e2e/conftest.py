"""Run the real ``devussy-git`` command in a subprocess, in a temporary home."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).parents[2]
DEMO_ANSWERS = ROOT / "devussy_git" / "fixtures" / "demo_interview.json"


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


class Cli:
    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("LLM_", "DEVUSSY_", "DISCORD_")) and k != "DATABASE_URL"
        }
        self.env.update(
            {
                "DEVUSSY_REPOS_ROOT": str(workdir / "repos"),
                "DATABASE_URL": f"sqlite+aiosqlite:///{workdir}/state.db",
                "LITELLM_LOCAL_MODEL_COST_MAP": "True",
                "USER": "tester",
                "HOME": str(workdir),
                "GIT_CONFIG_NOSYSTEM": "1",
                "PYTHONPATH": str(ROOT),
            }
        )

    def __call__(self, *args: str, input_: str | None = None, timeout: float = 120) -> Result:
        done = subprocess.run(
            [sys.executable, "-m", "devussy_git", *args],
            cwd=self.workdir,
            env=self.env,
            capture_output=True,
            text=True,
            input=input_,
            timeout=timeout,
        )
        return Result(done.returncode, done.stdout, done.stderr)


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Served:
    """A ``devussy-git serve`` process on 127.0.0.1 (its output once stopped)."""

    base: str
    proc: subprocess.Popen[str]
    output: str = ""


@contextmanager
def serving(cli: Cli, *, set_public_url: bool = True, **env: str) -> Iterator[Served]:
    """Run ``devussy-git serve`` as a user starts it; stop it and keep its output."""
    import httpx

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    if set_public_url:
        cli.env["DEVUSSY_PUBLIC_URL"] = base
    proc = subprocess.Popen(
        [sys.executable, "-m", "devussy_git", "serve", "--host", "127.0.0.1", "--port", str(port)],
        cwd=cli.workdir,
        env={**cli.env, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    served = Served(base, proc)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, f"serve exited: {proc.communicate()[1]}"
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "serve did not start"
            time.sleep(0.1)
        yield served
    finally:
        proc.terminate()
        out, err = proc.communicate(timeout=30)
        served.output = out + err
