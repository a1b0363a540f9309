"""What the bot would send, rendered from fixed service results (snapshots)."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from syrupy.assertion import SnapshotAssertion

from devussy_git.db import InterviewSession
from devussy_git.faces.discord import render
from devussy_git.faces.discord.payload import MessagePayload
from devussy_git.faces.discord.progress import ProgressTracker
from devussy_git.gitserve import CloneInfo
from devussy_git.plan import Task
from devussy_git.plan.files import PlanProgress
from devussy_git.plan.interview import question_by_id
from devussy_git.services import EffectiveConfig, InterviewStep, ProjectStatus, RevertResult, RunSummary

from .conftest import NOW, commit, diff


def as_data(payload: MessagePayload) -> dict[str, Any]:
    payload.check_limits()
    data = dataclasses.asdict(payload)
    data["files"] = [{"filename": f.filename, "text": f.data.decode()} for f in payload.files]
    data["buttons"] = [{"custom_id": b.custom_id, "label": b.label, "style": b.style} for b in payload.buttons]
    return data


def session(answers: dict[str, Any], state: str = "open") -> InterviewSession:
    return InterviewSession("s1", 42, 4242, 111, "shop-api", answers, state, NOW, NOW)


def test_step(step_result: Any, snapshot: SnapshotAssertion) -> None:
    assert as_data(render.render_step("shop-api", step_result)) == snapshot


def test_preview_step_offers_apply_and_discard(step_result: Any, snapshot: SnapshotAssertion) -> None:
    preview = dataclasses.replace(step_result, proposal_id="0a1b2c3d", status="blocked")
    payload = render.render_step("shop-api", preview)
    assert [b.action for b in payload.buttons] == ["apply", "discard"]
    assert as_data(payload) == snapshot


def test_applied_proposal_is_shown_as_a_step(step_result: Any) -> None:
    applied = dataclasses.replace(step_result, proposal_id="0a1b2c3d")
    payload = render.render_step("shop-api", applied, applied=True)
    assert [b.action for b in payload.buttons] == ["revert", "fulldiff"]
    assert payload.embeds[0].title.startswith("Applied step 1")


def test_revert_confirm_and_result(snapshot: SnapshotAssertion) -> None:
    target = commit(3, "handoff-next 1.2: tooling", trailers={"Devussy-Task": "1.2"})
    confirm = render.render_revert_confirm("shop-api", target, diff())
    assert confirm.ephemeral and confirm.timeout_s
    reverted = RevertResult(commit(4, 'Revert "handoff-next 1.2: tooling"'), (target.sha,), diff())
    assert [as_data(confirm), as_data(render.render_reverted("shop-api", reverted))] == snapshot


def test_log_pages(snapshot: SnapshotAssertion) -> None:
    commits = [
        commit(9 - i, f"handoff-next 1.{i}: step {i}", trailers={"Devussy-Task": f"1.{i}"}, minutes_ago=i * 90)
        for i in range(1, 4)
    ]
    first = render.render_log("shop-api", commits, page=0, has_more=True, now=NOW)
    middle = render.render_log("shop-api", commits, page=2, has_more=False, now=NOW)
    assert [b.label for b in first.buttons] == ["Older"]
    assert [b.custom_id for b in middle.buttons] == ["devussy:log:shop-api:1"]
    assert [as_data(first), as_data(middle)] == snapshot


def test_show_small_and_large_files(snapshot: SnapshotAssertion) -> None:
    small = render.render_show("shop-api", "handoff.md", "main", "# Handoff\n```\ncode\n```\n")
    large = render.render_show("shop-api", "phase1.md", "main", "\n".join(f"- line {i}" for i in range(600)))
    assert small.files == () and large.files[0].filename == "phase1.md"
    assert large.content.count("```") == 2
    assert [as_data(small), as_data(large)] == snapshot


def test_interview_question_reask_complete_cancel(snapshot: SnapshotAssertion) -> None:
    q = question_by_id("project_type")
    asking = InterviewStep("asking", session({"project_name": "Shop API"}), q, 2, 12)
    reask = InterviewStep(
        "reask", session({"project_name": "Shop API"}), q, 2, 12, problem="'9' is not one of the choices."
    )
    optional = InterviewStep("asking", session({}), question_by_id("authentication"), 8, 14)
    from devussy_git.plan import validate_answers

    interview = validate_answers(
        {
            "project_name": "Shop API",
            "project_type": "CLI Tool",
            "primary_language": "Go",
            "requirements": "fast",
            "team_size": "solo",
        }
    )
    complete = InterviewStep("complete", session({}, "complete"), interview=interview)
    cancelled = InterviewStep("cancelled", session({}, "cancelled"))
    rendered = [render.render_interview(s) for s in (asking, reask, optional, complete, cancelled)]
    assert [b.custom_id for b in rendered[2].buttons] == [
        "devussy:answer:shop-api:authentication.1",
        "devussy:answer:shop-api:authentication.2",
        "devussy:answer:shop-api:authentication.0",
    ]
    assert [as_data(p) for p in rendered] == snapshot


def test_progress_summary_and_failure(failed_run: Any, snapshot: SnapshotAssertion) -> None:
    tracker = ProgressTracker("abcdef123456", "shop-api", min_interval_s=0)
    tracker.event("interview", "completed", 0.1)
    tracker.event("complexity", "started", 0.2)
    tracker.event("complexity", "completed", 1.7, 500, 100)
    tracker.event("design", "started", 1.8)
    summary = RunSummary(
        "shop-api",
        "abcdef123456",
        6.0,
        "standard",
        2,
        ((1, "Project Setup"), (2, "Data ```Model```")),
        ("Auth is security-sensitive", "Schema changes"),
        "# Development Plan\n",
        "# Handoff\n",
    )
    clone = CloneInfo(
        "shop-api",
        "http://x:tok@h/git/shop-api.git",
        False,
        "http://h/git/shop-api.git",
        ["git clone http://x:tok@h/git/shop-api.git"],
    )
    payloads = [
        render.render_progress(tracker.snapshot()),
        render.render_run_summary(summary, clone),
        render.render_run_failed("shop-api", failed_run.run_id, failed_run.error),
    ]
    assert "tok" not in str(as_data(payloads[1]))  # the token only goes out in /devussy clone
    assert [as_data(p) for p in payloads] == snapshot


def test_status_projects_clone_admin(project: Any, failed_run: Any, snapshot: SnapshotAssertion) -> None:
    progress = PlanProgress(1, 20, 1, Task("1.2", "Configure tooling"), ("waiting for API keys",))
    status = render.render_status(ProjectStatus(project, "01" + "ab" * 19, failed_run, progress))
    unplanned = render.render_status(ProjectStatus(project, None, None, None))
    clone = CloneInfo(
        "shop-api",
        "http://x:tok@h/git/shop-api.git",
        False,
        "http://h/git/shop-api.git",
        ["git clone http://x:tok@h/git/shop-api.git"],
    )
    config = EffectiveConfig(42, "offline", "offline", 2, 777, frozenset({"max_runs", "role_id"}))
    payloads = [
        status,
        unplanned,
        render.render_projects([project]),
        render.render_projects([]),
        render.render_clone(clone),
        render.render_admin(config, "max runs"),
    ]
    assert render.render_clone(clone).ephemeral
    assert [as_data(p) for p in payloads] == snapshot


def test_status_with_a_chart_shows_it_as_the_embed_picture(project: Any, failed_run: Any) -> None:
    from devussy_git.faces.discord.payload import MAX_FILE_BYTES

    progress = PlanProgress(1, 20, 1, Task("1.2", "Configure tooling"), ())
    status = ProjectStatus(project, "01" + "ab" * 19, failed_run, progress)
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 100
    charted = render.render_status(status, chart=png)
    charted.check_limits()
    assert [(f.filename, f.data) for f in charted.files] == [("progress.png", png)]
    assert charted.embeds[0].image == "attachment://progress.png"
    assert dataclasses.replace(
        charted, files=(), embeds=(dataclasses.replace(charted.embeds[0], image=""),)
    ) == render.render_status(status)  # the rest of the reply is the same as without a chart
    too_big = render.render_status(status, chart=b"x" * (MAX_FILE_BYTES + 1))
    assert too_big.files == () and too_big.embeds[0].image == ""


def test_errors_are_short_and_ephemeral(snapshot: SnapshotAssertion) -> None:
    payloads = [
        render.render_error("There is no project called 'x'."),
        render.render_unexpected("deadbeef"),
        render.render_refusal("Only <@1> can use these buttons."),
    ]
    assert all(p.ephemeral for p in payloads)
    assert [as_data(p) for p in payloads] == snapshot


@pytest.mark.parametrize(
    "patch",
    [
        "diff --git a/a.md b/a.md\n@@ -1 +1 @@\n" + "".join(f"+line {i} ```\n" for i in range(3000)),
        "diff --git a/a.md b/a.md\n@@ -1 +1 @@\n+" + "ü😀" * 20000 + "\n",
    ],
    ids=["long-with-backticks", "one-huge-unicode-line"],
)
def test_big_diffs_stay_within_every_limit(step_result: Any, patch: str) -> None:
    big = dataclasses.replace(step_result, diff=diff(patch), summary="x" * 500)
    for payload in (render.render_step("shop-api", big), render.render_diff("shop-api", diff(patch))):
        payload.check_limits()
        description = payload.embeds[0].description
        assert description.count("```") == 2
        assert payload.files[0].data.decode() == patch


text = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=3000)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(summary=text, title=text, next_title=text, body=text, author=text)
def test_whatever_the_model_or_users_write_the_replies_fit(
    step_result: Any, summary: str, title: str, next_title: str, body: str, author: str
) -> None:
    patch = "diff --git a/a.md b/a.md\n@@ -1 +1 @@\n" + "".join(f"+{line}\n" for line in body.splitlines())
    step = dataclasses.replace(
        step_result,
        summary=summary,
        task=Task("1.1", title),
        next_task=Task("1.2", next_title),
        diff=diff(patch or "x"),
    )
    info = dataclasses.replace(
        commit(2, summary or "s", trailers={"Devussy-Task": title[:20]}),
        author=dataclasses.replace(step_result.commit.author, name=author or "a"),
    )
    for payload in (
        render.render_step("shop-api", step),
        render.render_step("shop-api", dataclasses.replace(step, proposal_id="0a1b2c3d")),
        render.render_revert_confirm("shop-api", info, step.diff),
        render.render_log("shop-api", [info] * 10, page=0, has_more=True, now=NOW),
        render.render_show("shop-api", "notes.md", "main", body),
        render.render_diff("shop-api", step.diff),
    ):
        payload.check_limits()
        for part in [payload.content] + [e.description for e in payload.embeds]:
            assert part.count("```") in (0, 2), part
