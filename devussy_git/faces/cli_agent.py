"""CLI verbs ``handoff-next`` and ``proposals``: parse, call the agent's use cases, print.

Nothing here decides anything a Discord or HTTP face would also need: the
use cases in :mod:`devussy_git.services.steps` do the work; this module only
renders their results (diffs coloured on a terminal, ``--json`` for scripts).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from devussy_git.services import Diff, Proposal, StepResult, Task

__all__ = [
    "cmd_handoff_next",
    "cmd_proposals",
    "format_proposals",
    "format_step",
    "proposal_to_json",
    "step_to_json",
]


def _tty() -> bool:
    return bool(getattr(sys.stdout, "isatty", lambda: False)())


def _task_json(task: Task | None) -> dict[str, Any] | None:
    if task is None:
        return None
    return {"id": task.id, "title": task.title, "done": task.done}


def _diff_json(diff: Diff) -> dict[str, Any]:
    return {
        "base": diff.base,
        "head": diff.head,
        "added": diff.added,
        "removed": diff.removed,
        "files": [{"path": f.path, "status": f.status, "added": f.added, "removed": f.removed} for f in diff.files],
        "patch": diff.patch,
    }


def step_to_json(result: StepResult) -> dict[str, Any]:
    """The ``handoff-next --json`` object."""
    from devussy_git.faces.cli_output import commit_to_json

    return {
        "step": result.step,
        "task": _task_json(result.task),
        "summary": result.summary,
        "status": result.status,
        "commit": commit_to_json(result.commit),
        "proposal_id": result.proposal_id,
        "next_task": _task_json(result.next_task),
        "diff": _diff_json(result.diff),
    }


def format_step(result: StepResult, project_id: str, *, colour: bool = False, applied: bool = False) -> str:
    """What ``handoff-next`` prints: task, summary, the diff, the next task."""
    from devussy_git.faces.cli_output import format_diff

    parked = result.proposal_id is not None and not applied
    where = f"proposal {result.proposal_id}" if parked else "main"
    state = "blocked" if result.status == "blocked" else "done"
    # A proposal is not a step yet: its number is what it would be if applied now.
    task = f"task {result.task.id}: {result.task.title}"
    head = (
        f"Proposal {result.proposal_id} · {task} ({state}; step {result.step} once applied)"
        if parked
        else f"Step {result.step} · {task} ({state})"
    )
    lines = [
        head,
        f"Summary: {result.summary}",
        f"[{result.commit.sha[:10]}] {result.commit.subject} → {where}",
        "",
        format_diff(result.diff, colour=colour).rstrip("\n"),
        "",
    ]
    after = "Next task once applied" if parked else "Next task"
    if result.next_task is None:
        lines.append(f"{after}: none — every task of the plan is done.")
    else:
        lines.append(f"{after}: {result.next_task.id} - {result.next_task.title}")
    if parked:
        lines.append(
            f"Apply with `devussy-git proposals {project_id} apply {result.proposal_id}` "
            f"or drop it with `devussy-git proposals {project_id} discard {result.proposal_id}`."
        )
    return "\n".join(lines)


def proposal_to_json(proposal: Proposal) -> dict[str, Any]:
    return {
        "id": proposal.id,
        "task": proposal.task,
        "summary": proposal.summary,
        "author": f"{proposal.author.name} <{proposal.author.email}>",
        "created_at": proposal.created_at.isoformat(),
        "age_s": round(proposal.age_s()),
        "base": proposal.base,
        "sha": proposal.sha,
        "step": proposal.step,
    }


def _age(seconds: float) -> str:
    whole = int(seconds)
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if whole >= size:
            return f"{whole // size}{unit}"
    return f"{whole}s"


def format_proposals(proposals: list[Proposal], project_id: str) -> str:
    """The ``proposals`` listing: id, task, author, age, base, summary."""
    if not proposals:
        return f"No proposals. Make one with `devussy-git handoff-next {project_id} --preview`."
    lines = ["ID        TASK   AUTHOR               AGE    BASE        SUMMARY"]
    for p in proposals:
        lines.append(
            f"{p.id:<9} {p.task:<6} {p.author.name[:20]:<20} {_age(p.age_s()):<6} {p.base[:10]:<11} {p.summary}"
        )
    return "\n".join(lines)


async def cmd_handoff_next(app: Any, args: argparse.Namespace) -> int:
    from devussy_git.faces.cli_output import to_json
    from devussy_git.services import Actor, handoff_next

    result = await handoff_next(
        app,
        args.project,
        actor=Actor.cli(),
        note=args.note,
        task=args.task,
        preview=bool(args.preview),
        provider=args.provider,
        model=args.model,
    )
    if getattr(args, "json", False):
        print(to_json(step_to_json(result)))
    else:
        print(format_step(result, args.project, colour=_tty()))
    return 0


async def cmd_proposals(app: Any, args: argparse.Namespace) -> int:
    from devussy_git.faces.cli_output import to_json
    from devussy_git.faces.cli_parser import UsageError
    from devussy_git.services import Actor, apply_proposal, discard_proposal, list_proposals

    as_json = bool(getattr(args, "json", False))
    if args.action is None:
        if args.proposal is not None:
            raise UsageError("proposals: say what to do with it: apply ID or discard ID")
        found = await list_proposals(app, args.project)
        print(to_json([proposal_to_json(p) for p in found]) if as_json else format_proposals(found, args.project))
        return 0
    if args.proposal is None:
        raise UsageError(f"proposals {args.action}: which proposal? give its ID")
    if args.action == "discard":
        await discard_proposal(app, args.project, args.proposal)
        print(to_json({"discarded": args.proposal}) if as_json else f"Discarded proposal {args.proposal}.")
        return 0
    result = await apply_proposal(app, args.project, args.proposal, actor=Actor.cli())
    if as_json:
        print(to_json(step_to_json(result)))
    else:
        print(f"Applied proposal {args.proposal}.")
        print(format_step(result, args.project, colour=_tty(), applied=True))
    return 0
