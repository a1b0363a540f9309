"""Fixed values (commits, diffs, steps, runs) for rendering tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from devussy_git.agent.step import StepResult
from devussy_git.db import ProjectRecord, RunRecord, StageRecord
from devussy_git.plan import Task
from devussy_git.store import CommitInfo, Diff, FileChange, Identity

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
ALICE = Identity("Alice", "111@users.noreply.discord.invalid")
BOT = Identity("Devussy Bot", "bot@devussy.invalid")

PATCH = """diff --git a/devplan.md b/devplan.md
index 1111111..2222222 100644
--- a/devplan.md
+++ b/devplan.md
@@ -20,3 +20,4 @@
 <!-- PROGRESS_LOG_START -->
+- 1.1: repository initialised
 <!-- PROGRESS_LOG_END -->
diff --git a/phase1.md b/phase1.md
index 3333333..4444444 100644
--- a/phase1.md
+++ b/phase1.md
@@ -5,2 +5,2 @@
-- [ ] 1.1: Initialise the repository
+- [x] 1.1: Initialise the repository
"""


def commit(n: int, subject: str, *, trailers: dict[str, str] | None = None, minutes_ago: int = 5) -> CommitInfo:
    sha = f"{n:02d}" + "ab" * 19
    when = NOW - timedelta(minutes=minutes_ago)
    return CommitInfo(
        sha=sha,
        subject=subject,
        body="",
        message=subject + "\n",
        author=ALICE,
        author_time=when,
        committer=BOT,
        commit_time=when,
        parents=(f"{n - 1:02d}" + "cd" * 19,),
        trailers=dict(trailers or {}),
    )


def diff(patch: str = PATCH, head: str = "01" + "ab" * 19) -> Diff:
    return Diff(
        base="00" + "cd" * 19,
        head=head,
        patch=patch,
        files=(
            FileChange("devplan.md", None, "modified", 1, 0),
            FileChange("phase1.md", None, "modified", 1, 1),
        ),
        added=2,
        removed=1,
    )


@pytest.fixture
def step_result() -> StepResult:
    return StepResult(
        commit=commit(
            1,
            "handoff-next 1.1: repository initialised",
            trailers={"Devussy-Stage": "handoff-next", "Devussy-Task": "1.1", "Devussy-Step": "1"},
        ),
        task=Task("1.1", "Initialise the repository", done=True),
        summary="repository initialised",
        status="done",
        diff=diff(),
        next_task=Task("1.2", "Configure ```tooling```"),
        proposal_id=None,
        step=1,
    )


@pytest.fixture
def project() -> ProjectRecord:
    return ProjectRecord("shop-api", "Shop API", 42, 4242, "discord:111", NOW)


@pytest.fixture
def failed_run() -> RunRecord:
    stages = tuple(
        StageRecord(name, state, None, None, None, err, 0, 0)
        for name, state, err in (
            ("interview", "completed", None),
            ("complexity", "completed", None),
            ("design", "failed", "the model did not answer"),
            ("validation", "pending", None),
            ("devplan", "pending", None),
            ("phases", "pending", None),
            ("handoff", "pending", None),
        )
    )
    return RunRecord(
        "abcdef123456",
        "shop-api",
        "failed",
        "design",
        "offline",
        "offline",
        "discord:111",
        "the model did not answer",
        True,
        NOW,
        NOW,
        NOW,
        stages,
        42,
        "host:1",
        10,
        20,
    )
