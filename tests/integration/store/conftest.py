"""Fixtures for the plan store tests: a store in a temp dir and the real git CLI.

The ``git`` fixture runs the system ``git`` with no user or system config,
so what it prints is git's default behaviour on any machine.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from devussy_git.store import Identity, PlanRepo, PlanStore

GitRunner = Callable[..., str]

ANN = Identity("Ann Example", "ann@example.invalid")


def git_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(
        HOME=str(home),
        GIT_CONFIG_NOSYSTEM="1",
        GIT_CONFIG_GLOBAL=os.devnull,
        GIT_AUTHOR_NAME="Git Tester",
        GIT_AUTHOR_EMAIL="tester@example.invalid",
        GIT_COMMITTER_NAME="Git Tester",
        GIT_COMMITTER_EMAIL="tester@example.invalid",
        LC_ALL="C",
    )
    return env


@pytest.fixture(scope="session")
def git_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("git") is None:
        pytest.fail("the git command is required by the store tests")
    return tmp_path_factory.mktemp("git-home")


@pytest.fixture
def git(git_home: Path) -> GitRunner:
    """``git(*args, cwd=path, input=text, check=True) -> stdout`` with a clean config."""

    def run(*args: str, cwd: Path, input: str | None = None, check: bool = True) -> str:
        proc = subprocess.run(
            ["git", *args],
            cwd=cwd,
            input=None if input is None else input.encode("utf-8"),
            capture_output=True,
            env=git_env(git_home),
        )
        if check and proc.returncode != 0:
            raise AssertionError(f"git {' '.join(args)} failed ({proc.returncode}): {proc.stderr!r}")
        # Bytes decoded as-is: no newline translation, so CRLF survives.
        return proc.stdout.decode("utf-8")

    return run


@pytest.fixture
def store(tmp_path: Path) -> PlanStore:
    return PlanStore(tmp_path / "repos")


@pytest.fixture
def repo(store: PlanStore) -> PlanRepo:
    return store.create("demo")


@pytest.fixture
def author() -> Identity:
    return ANN


@pytest.fixture
def fsck(git_home: Path) -> Callable[[PlanRepo], None]:
    """``fsck(repo)`` asserts ``git fsck --strict`` is clean (dangling objects allowed)."""

    def check(repo: PlanRepo) -> None:
        proc = subprocess.run(
            ["git", "fsck", "--strict", "--no-dangling", "--no-progress"],
            cwd=repo.path,
            capture_output=True,
            text=True,
            env=git_env(git_home),
        )
        assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", "")

    return check
