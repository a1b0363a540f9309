"""CLI verbs ``archive``, ``restore``, ``delete`` and ``move-project``: parse, confirm, call services, print."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from devussy_git.errors import InvalidInputError

__all__ = ["cmd_archive", "cmd_delete", "cmd_move_project", "cmd_restore"]

EXIT_OK = 0


def _size(n: int) -> str:
    return f"{n / 1024:.1f} KiB" if n < 1024 * 1024 else f"{n / 1024 / 1024:.1f} MiB"


async def cmd_archive(app: Any, args: argparse.Namespace) -> int:
    from devussy_git import services

    mark = await services.archive_project(app, args.project, actor=services.Actor.cli())
    when = mark.archived_at.strftime("%Y-%m-%d %H:%M UTC")
    print(f"{args.project} is archived (read-only, hidden from `projects`) since {when}, by {mark.by}.")
    print(f"Its history still reads and clones. Undo: devussy-git restore {args.project}")
    return EXIT_OK


async def cmd_restore(app: Any, args: argparse.Namespace) -> int:
    from devussy_git import services

    restored = await services.restore_project(app, args.project, actor=services.Actor.cli())
    if restored.how == "undeleted":
        print(f"{args.project} is back from the trash ({restored.bundle}), with every commit, tag and proposal.")
    else:
        print(f"{args.project} accepts changes again and shows in `projects`.")
    print(f"Next: devussy-git status {args.project}")
    return EXIT_OK


def _confirm_by_name(project: str, days: float) -> bool:
    print(
        f"This deletes {project} for good: its repository and its runs. A git bundle of its "
        f"history stays in the repos root's .trash/ for {days:g} days "
        f"(`devussy-git restore {project}` brings it back until then)."
    )
    try:
        typed = input(f"Type {project} to delete it: ").strip()
    except EOFError:
        return False
    return typed == project


async def cmd_delete(app: Any, args: argparse.Namespace) -> int:
    from devussy_git import services

    record = await services.get_project(app, args.project)  # not found: say so before asking
    if not args.yes:
        if not sys.stdin.isatty():
            raise InvalidInputError(
                f"delete removes {record.project_id} for good: add --yes to confirm when not on a terminal."
            )
        if not _confirm_by_name(record.project_id, app.settings.trash_days):
            print("Nothing deleted.")
            return EXIT_OK
    entry = await services.delete_project(app, record.project_id, actor=services.Actor.cli())
    print(
        f"Deleted {record.project_id}. Its bundle ({_size(entry.size)}) stays for "
        f"{app.settings.trash_days:g} days: {entry.bundle}"
    )
    print(f"Undo until then: devussy-git restore {record.project_id}")
    return EXIT_OK


async def cmd_move_project(app: Any, args: argparse.Namespace) -> int:
    from devussy_git import services

    queued = await services.move_project(app, args.project, args.node, actor=services.Actor.cli())
    print(
        f"Moving {queued.project_id} from node {queued.source} to node {queued.target} "
        f"(job {queued.job_id} on queue {queued.queue}).",
        flush=True,
    )

    def on_phase(phase: str, message: str) -> None:
        if phase == "queued":
            message += f" (`DEVUSSY_NODE={queued.target} devussy-git worker` takes it)"
        if phase != "done":
            print(f"  {phase}: {message}", flush=True)

    print(await services.follow_move(app, queued, on_phase))
    return EXIT_OK
