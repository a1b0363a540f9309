"""The real ``git`` CLI, for checking what the store wrote."""

from __future__ import annotations

import subprocess
from pathlib import Path

__all__ = ["git", "trailers_of"]


def git(repo: Path, *args: str, input_: str | None = None, check: bool = True) -> str:
    done = subprocess.run(
        ["git", "-C", str(repo), *args],
        capture_output=True,
        text=True,
        input=input_,
        check=False,
        env={"GIT_CONFIG_NOSYSTEM": "1", "HOME": str(repo), "PATH": "/usr/bin:/bin:/usr/local/bin"},
    )
    if check and done.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed: {done.stderr}")
    return done.stdout


def trailers_of(repo: Path, sha: str) -> dict[str, str]:
    """Trailers of a commit as ``git interpret-trailers --parse`` reads them."""
    message = git(repo, "log", "-1", "--format=%B", sha)
    parsed = git(repo, "interpret-trailers", "--parse", input_=message)
    out: dict[str, str] = {}
    for line in parsed.splitlines():
        key, _, value = line.partition(": ")
        out[key] = value
    return out
