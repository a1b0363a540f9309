"""Build plan-like bare repos with the real git CLI, and run git as a client.

Shared by the git-over-HTTP tests and ``bench/bench_clone.py``. Everything runs
with an isolated HOME and no global/system git config, so a developer's
credential helpers never answer a prompt.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

__all__ = ["git", "git_env", "make_plan_repo", "push_commit"]

_IDENTITY = {
    "GIT_AUTHOR_NAME": "Ada Planner",
    "GIT_AUTHOR_EMAIL": "ada@example.invalid",
    "GIT_COMMITTER_NAME": "Devussy Bot",
    "GIT_COMMITTER_EMAIL": "bot@devussy.invalid",
}


def git_env(home: Path, **extra: str) -> dict[str, str]:
    """Environment for a git client: isolated HOME, no prompts, no helpers."""
    home.mkdir(parents=True, exist_ok=True)
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_TERMINAL_PROMPT": "0",
        "GIT_ASKPASS": "",
        "SSH_ASKPASS": "",
        "LANG": "C",
        **_IDENTITY,
    }
    env.update(extra)
    return env


def git(
    *args: str, env: dict[str, str], cwd: Path | None = None, check: bool = True
) -> subprocess.CompletedProcess[str]:
    """Run ``git args...``; raise with its stderr when ``check`` and it fails."""
    result = subprocess.run(["git", *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=120)
    if check and result.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed ({result.returncode}):\n{result.stderr}")
    return result


def _data(text: str) -> bytes:
    raw = text.encode()
    return b"data %d\n" % len(raw) + raw + b"\n"


def make_plan_repo(bare: Path, env: dict[str, str], *, commits: int = 5, runs: int = 2, proposals: int = 1) -> None:
    """A bare repo at ``bare`` on branch ``main`` with ``commits`` plan commits.

    Each commit edits ``devplan.md``/``handoff.md`` and carries Devussy trailers;
    ``runs`` lightweight tags ``run/r<n>`` and ``proposals`` refs
    ``refs/proposals/p<n>`` (off-branch commits) are added. Built with
    ``git fast-import`` so a 1,000-commit repo takes well under a second.
    """
    git("init", "--quiet", "--bare", "--initial-branch=main", str(bare), env=env)
    stream = bytearray()
    when = 1_700_000_000
    for index in range(1, commits + 1):
        message = (
            f"handoff-next 1.{index}: step {index}\n\n"
            f"Devussy-Stage: handoff-next\nDevussy-Run: r1\nDevussy-Task: 1.{index}\n"
            f"Devussy-Step: {index}\nDevussy-Model: offline\n"
        )
        stream += b"commit refs/heads/main\nmark :%d\n" % index
        stream += b"author Ada Planner <ada@example.invalid> %d +0000\n" % (when + index)
        stream += b"committer Devussy Bot <bot@devussy.invalid> %d +0000\n" % (when + index)
        stream += _data(message)
        if index > 1:
            stream += b"from :%d\n" % (index - 1)
        progress = "".join(f"- [x] 1.{n}: step {n}\n" for n in range(1, index + 1))
        stream += b"M 100644 inline devplan.md\n" + _data(f"# Development Plan\n\n{progress}")
        stream += b"M 100644 inline handoff.md\n" + _data(f"# Handoff\n\nnext: 1.{index + 1}\n")
    for run in range(1, runs + 1):
        target = max(1, commits * run // max(runs, 1))
        stream += b"reset refs/tags/run/r%d\nfrom :%d\n\n" % (run, target)
    for proposal in range(1, proposals + 1):
        mark = commits + proposal
        stream += b"commit refs/proposals/p%d\nmark :%d\n" % (proposal, mark)
        stream += b"committer Devussy Bot <bot@devussy.invalid> %d +0000\n" % when
        stream += _data(f"proposal {proposal}: secret draft\n")
        stream += b"from :%d\n" % commits
        stream += b"M 100644 inline draft.md\n" + _data(f"unpublished draft {proposal}\n")
    subprocess.run(
        ["git", "fast-import", "--quiet"],
        input=bytes(stream),
        cwd=bare,
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )


def push_commit(bare: Path, work: Path, env: dict[str, str], path: str, text: str) -> str:
    """Commit ``path`` = ``text`` on ``main`` of ``bare`` through a file:// clone; return sha."""
    if not work.exists():
        git("clone", "--quiet", f"file://{bare}", str(work), env=env)
    git("pull", "--quiet", "--ff-only", env=env, cwd=work)
    (work / path).write_text(text)
    git("add", path, env=env, cwd=work)
    git("commit", "--quiet", "-m", f"handoff-next: update {path}", env=env, cwd=work)
    git("push", "--quiet", "origin", "HEAD:main", env=env, cwd=work)
    return git("rev-parse", "HEAD", env=env, cwd=work).stdout.strip()
