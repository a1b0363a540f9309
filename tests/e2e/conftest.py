"""Run the real ``devussy-git`` command in a subprocess, in a temporary home."""

from __future__ import annotations

import json
import os
import subprocess
import sys
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
