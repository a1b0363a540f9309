"""Text and JSON renderings of service results for the terminal.

Pure functions from values to strings; the CLI decides where they go. Colour
is only added when the caller says the stream is a terminal.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from devussy_git.services import CommitInfo, Diff, ProgressEvent, RunOutcome

__all__ = [
    "colour_patch",
    "commit_to_json",
    "format_diff",
    "format_log",
    "format_outcome",
    "format_progress",
    "format_stat",
    "format_status",
    "status_to_json",
    "to_json",
]

_RED, _GREEN, _CYAN, _BOLD, _RESET = "\x1b[31m", "\x1b[32m", "\x1b[36m", "\x1b[1m", "\x1b[0m"


def to_json(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, default=str)


def commit_to_json(info: CommitInfo) -> dict[str, Any]:
    """The ``log --json`` shape of DESIGN section 10."""
    return {
        "sha": info.sha,
        "subject": info.subject,
        "author": f"{info.author.name} <{info.author.email}>",
        "time": info.author_time.isoformat(),
        "parents": list(info.parents),
        "trailers": dict(info.trailers),
    }


def _age(when: datetime, now: datetime | None = None) -> str:
    seconds = int(((now or datetime.now(UTC)) - when).total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit} ago"
    return "just now"


def format_log(commits: Sequence[CommitInfo], *, colour: bool = False) -> str:
    from devussy_git.services import TRAILER_TASK

    lines = []
    for info in commits:
        sha = info.sha[:10]
        if colour:
            sha = f"{_CYAN}{sha}{_RESET}"
        task = info.trailers.get(TRAILER_TASK)
        extra = f" [task {task}]" if task else ""
        lines.append(f"{sha} {info.subject}{extra} — {info.author.name}, {_age(info.author_time)}")
    return "\n".join(lines) if lines else "(no commits)"


def colour_patch(patch: str) -> str:
    out = []
    for line in patch.splitlines(keepends=True):
        if line.startswith(("+++", "---", "diff --git", "index ")):
            out.append(f"{_BOLD}{line.rstrip(chr(10))}{_RESET}\n")
        elif line.startswith("+"):
            out.append(f"{_GREEN}{line.rstrip(chr(10))}{_RESET}\n")
        elif line.startswith("-"):
            out.append(f"{_RED}{line.rstrip(chr(10))}{_RESET}\n")
        elif line.startswith("@@"):
            out.append(f"{_CYAN}{line.rstrip(chr(10))}{_RESET}\n")
        else:
            out.append(line)
    return "".join(out)


def format_stat(diff: Diff) -> str:
    if not diff.files:
        return "(no changes)"
    width = max(len(f.path) for f in diff.files)
    lines = [
        f" {f.path.ljust(width)} | {f.added + f.removed:4d} {'+' * min(f.added, 30)}{'-' * min(f.removed, 30)}"
        for f in diff.files
    ]
    # git's summary line: singular for one, a zero count left out (unless both are zero).
    parts = [f"{len(diff.files)} file{'s' if len(diff.files) != 1 else ''} changed"]
    if diff.added or not diff.removed:
        parts.append(f"{diff.added} insertion{'s' if diff.added != 1 else ''}(+)")
    if diff.removed or not diff.added:
        parts.append(f"{diff.removed} deletion{'s' if diff.removed != 1 else ''}(-)")
    lines.append(" " + ", ".join(parts))
    return "\n".join(lines)


def format_diff(diff: Diff, *, colour: bool = False, stat: bool = False) -> str:
    if stat:
        return format_stat(diff)
    if not diff.patch:
        return "(no changes)"
    return colour_patch(diff.patch) if colour else diff.patch


def format_progress(event: ProgressEvent) -> str:
    mark = {"started": "…", "completed": "✓", "skipped": "↷", "failed": "✗"}.get(event.state, "·")
    tokens = f", tokens in={event.tokens_in} out={event.tokens_out}" if event.tokens_in or event.tokens_out else ""
    detail = f" — {event.detail}" if event.detail and event.state != "started" else ""
    commit = f" [{event.commit[:10]}]" if event.commit and event.state != "started" else ""
    return f"{mark} {event.stage:<10} {event.state:<9} {event.elapsed_s:6.2f}s{tokens}{commit}{detail}"


def format_outcome(outcome: RunOutcome) -> str:
    plan = outcome.plan
    c = plan.complexity
    lines = [
        f"Plan for {plan.project_name} ({outcome.project_id}) — run {outcome.run_id}, tag {outcome.tag}",
        f"Complexity: score {c.score:g}, depth {c.depth}, {c.phase_count} phases",
        "Phases:",
    ]
    lines += [f"  {p.number}. {p.title} ({len(p.tasks)} tasks)" for p in plan.phases]
    if c.risks:
        lines.append("Top risks:")
        lines += [f"  - {r}" for r in list(c.risks)[:5]]
    lines.append(f"Tokens: in={outcome.tokens_in} out={outcome.tokens_out}")
    lines.append(
        f"Next: devussy-git handoff-next {outcome.project_id}  (progress: devussy-git status {outcome.project_id})"
    )
    return "\n".join(lines)


def format_status(status: Any) -> str:
    lines = [f"Project {status.project.project_id} ({status.project.name})"]
    lines.append(f"Head: {status.head[:10] if status.head else '(no commits)'}")
    archived = getattr(status, "archived", None)
    if archived is not None:
        lines.append(
            f"Archived {archived.archived_at:%Y-%m-%d %H:%M} UTC by {archived.by}: read-only "
            f"(`devussy-git restore {status.project.project_id}` to change it again)"
        )
    run = status.run
    if run is None:
        lines.append(f"Run: none yet (start one with `devussy-git run {status.project.project_id}`)")
    else:
        state = "running, stopping (cancel asked)" if run.is_active and run.cancel_requested else run.state
        lines.append(f"Run {run.run_id}: {state}" + (f" — {run.error}" if run.error and run.error != state else ""))
        if run.state in ("failed", "cancelled") and run.resumable:
            lines.append(f"  resume it with `devussy-git run {status.project.project_id} --resume`")
        for stage in run.stages:
            commit = f" {stage.commit[:10]}" if stage.commit else ""
            err = f" — {stage.error}" if stage.error else ""
            lines.append(f"  {stage.name:<10} {stage.state}{commit}{err}")
    progress = status.progress
    if progress is not None:
        lines.append(f"Progress: {progress.done}/{progress.total} tasks")
        if progress.next_task:
            lines.append(f"Next task: {progress.next_task.id}: {progress.next_task.title}")
        else:
            lines.append("Next task: none — every task is done")
        for blocker in progress.blockers:
            lines.append(f"Blocker: {blocker}")
    return "\n".join(lines)


def status_to_json(status: Any) -> dict[str, Any]:
    run = status.run
    progress = status.progress
    return {
        "project_id": status.project.project_id,
        "name": status.project.name,
        "node": status.project.node,
        "head": status.head,
        "archived": None
        if getattr(status, "archived", None) is None
        else {"archived_at": status.archived.archived_at.isoformat(), "by": status.archived.by},
        "run": None
        if run is None
        else {
            "run_id": run.run_id,
            "state": run.state,
            "stage": run.stage,
            "error": run.error,
            "cancel_requested": run.cancel_requested,
            "stages": [
                {
                    "name": s.name,
                    "state": s.state,
                    "commit": s.commit,
                    "started_at": s.started_at.isoformat() if s.started_at else None,
                    "finished_at": s.finished_at.isoformat() if s.finished_at else None,
                    "error": s.error,
                }
                for s in run.stages
            ],
        },
        "progress": None
        if progress is None
        else {
            "done": progress.done,
            "total": progress.total,
            "next_task": None
            if progress.next_task is None
            else {"id": progress.next_task.id, "title": progress.next_task.title},
            "active_phase": progress.active_phase,
            "blockers": list(progress.blockers),
        },
    }


def maintenance_to_json(report: Any) -> dict[str, Any]:
    return {
        "dry_run": report.dry_run,
        "packed": [{"project_id": p, "loose_objects": n} for p, n in report.packed],
        "proposals": [{"project_id": p, "proposal": i} for p, i in report.proposals],
        "runs": list(report.runs),
        "steps": list(report.steps),
        "interviews": list(report.interviews),
        "trash": list(report.trash),
        "busy": list(report.busy),
    }


def format_maintenance(report: Any) -> str:
    """What a maintenance pass did (or would do, with ``--dry-run``)."""
    verb = "Would" if report.dry_run else "Did"
    packed = ", ".join(f"{p} ({n} loose objects)" for p, n in report.packed) or "none needed"
    proposals = ", ".join(f"{p}:{i}" for p, i in report.proposals) or "none"
    lines = [
        f"{'Dry run: nothing changed. ' if report.dry_run else ''}{verb}:",
        f"  pack repositories: {packed}",
        f"  prune proposals: {proposals}",
        f"  delete run rows: {len(report.runs)}",
        f"  delete step rows: {len(report.steps)}",
        f"  end idle interviews: {len(report.interviews)}",
        f"  remove deleted projects' bundles from the trash: {', '.join(report.trash) or 'none'}",
    ]
    if report.busy:
        lines.append(f"  skipped (a writer held them; next time): {', '.join(report.busy)}")
    return "\n".join(lines)
