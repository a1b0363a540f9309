"""The command-line face: ``devussy-git <verb> ...`` (also ``python -m devussy_git``).

It parses arguments, calls :mod:`devussy_git.services`, and prints. Errors the
user can fix go to stderr with exit code 1 (2 for usage errors); a user
mistake never prints a traceback.

The command line itself is :mod:`.cli_parser`, terminal prompts :mod:`.cli_prompts`,
output formatting :mod:`.cli_output`, live progress :mod:`.cli_live`, the agent's verbs
:mod:`.cli_agent` and archive/restore/delete :mod:`.cli_lifecycle`. What stays here,
about 440 lines, is one short handler per remaining verb and ``main``, which decides
what each verb needs built (nothing, git only, or the database) before running it.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Callable, Coroutine, Sequence
from pathlib import Path
from typing import Any

from devussy_git import __version__
from devussy_git.errors import DevussyError, InvalidInputError, ProjectOnOtherNodeError, RevertConflictError
from devussy_git.faces.cli_parser import UsageError, build_parser
from devussy_git.faces.cli_prompts import ask_interview, confirm, is_tty, load_answers

__all__ = ["build_parser", "main"]

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2


# -- helpers --------------------------------------------------------------------


# -- verbs ----------------------------------------------------------------------

Handler = Callable[[Any, argparse.Namespace], Coroutine[Any, Any, int]]


#: Verbs that read only git: their app is built without the database.
GIT_ONLY_VERBS = frozenset({"log", "show", "diff", "clone-url"})
#: Verbs that only read the database: on SQLite they read it without SQLAlchemy.
DB_READING_VERBS = frozenset({"status", "projects", "revert", "handoff-next", "proposals"})


async def _with_app(handler: Handler, args: argparse.Namespace) -> int:
    from devussy_git.app import open_app
    from devussy_git.config import load_settings
    from devussy_git.errors import NotFoundError

    settings = load_settings()
    try:
        async with open_app(
            settings,
            database=args.verb not in GIT_ONLY_VERBS,
            light=args.verb in DB_READING_VERBS,
            metrics=False,  # a command serves no /metrics: its counts would end with the process
        ) as app:
            return await handler(app, args)
    except NotFoundError as missing:
        from devussy_git import services

        if args.verb not in GIT_ONLY_VERBS or not services.state_database_exists(settings):
            raise
        # A git-only verb skipped the database: ask it whether another node owns the project.
        try:
            async with open_app(settings, light=True, metrics=False) as app:
                await services.get_project(app, args.project)
        except ProjectOnOtherNodeError:
            raise
        except DevussyError:
            raise missing from None
        raise


def _precheck(args: argparse.Namespace) -> None:
    """What can be checked from the command line alone, before anything is built."""
    project = getattr(args, "project", None)
    if isinstance(project, str):
        from devussy_git.ids import validate_new_project_id, validate_project_id

        (validate_new_project_id if args.verb == "new" else validate_project_id)(project)
    chart = getattr(args, "chart", None)
    if chart is not None:
        _check_chart_path(chart)
    if args.verb == "revert":
        if args.rev is not None and args.step is not None:
            raise UsageError("revert: give either REV or --step N, not both")
        if args.range and args.step is None:
            raise UsageError("revert: --range needs --step N")


async def cmd_new(app: Any, args: argparse.Namespace) -> int:
    from devussy_git import services

    await services.ensure_project_id_free(app, args.project)
    if args.answers:
        answers = load_answers(args.answers)
    else:
        # Asked by main() before the event loop started, where Ctrl-C is plain.
        answers = args.typed_answers
    created = await services.create_project(app, args.project, answers, actor=services.Actor.cli())
    print(f"Created project {created.project_id} ({created.interview.project_name}).")
    print(f"[{created.commit.sha[:10]}] {created.commit.subject}")
    print(f"Next: devussy-git run {created.project_id}")
    return EXIT_OK


async def cmd_run(app: Any, args: argparse.Namespace) -> int:
    from devussy_git import services
    from devussy_git.faces.cli_output import format_outcome, format_progress

    def progress(event: Any) -> None:
        print(format_progress(event), flush=True)

    from devussy_git.errors import RestartNeedsConfirmationError

    restart = args.yes
    while True:
        try:
            if args.detach:
                record = await services.queue_project_run(
                    app,
                    args.project,
                    actor=services.Actor.cli(),
                    provider=args.provider,
                    model=args.model,
                    resume=args.resume,
                    restart=restart,
                )
                print(f"Run {record.run_id} of {record.project_id} queued for the workers.")
                print(f"Follow it: devussy-git status {record.project_id}")
                print(f"Cancel it: devussy-git cancel {record.project_id}")
                return EXIT_OK
            # On a terminal, one live line per stage (time, tokens); plain lines otherwise.
            live = None
            if is_tty():
                from devussy_git.faces.cli_live import LiveRunProgress

                live = LiveRunProgress(args.project)
            with live if live is not None else contextlib.nullcontext():
                outcome = await services.run_project(
                    app,
                    args.project,
                    actor=services.Actor.cli(),
                    provider=args.provider,
                    model=args.model,
                    resume=args.resume,
                    restart=restart,
                    on_progress=live.update if live is not None else progress,
                )
            break
        except RestartNeedsConfirmationError as exc:
            if restart:
                raise
            if not sys.stdin.isatty():
                raise UsageError(f"error: {exc.user_message} Add --yes to restart it when not on a terminal.") from None
            print(exc.user_message)
            if not confirm("Start the plan over?"):
                print("Nothing changed.")
                return EXIT_OK
            restart = True
    print()
    print(format_outcome(outcome))
    return EXIT_OK


def _check_chart_path(path: Path) -> None:
    """Refuse, before anything is read, a chart path that cannot be written."""
    if path.is_dir():
        raise InvalidInputError(f"--chart {path}: that is a directory; name a file, e.g. {path / 'progress.png'}.")
    if not path.parent.is_dir():
        raise InvalidInputError(f"--chart {path}: the directory {path.parent} does not exist.")


def _write_chart(path: Path, png: bytes) -> None:
    try:
        path.write_bytes(png)
    except OSError as exc:
        raise InvalidInputError(f"Cannot write the chart to {path}: {exc.strerror}.") from exc


async def cmd_worker(app: Any, args: argparse.Namespace) -> int:
    from devussy_git import services

    queues = [q.strip() for q in args.queues.split(",") if q.strip()] if args.queues else None
    print(
        f"worker: node {app.settings.node}, running queued jobs, {args.concurrency} at once (Ctrl-C to stop)",
        flush=True,
    )
    await services.run_worker(app, concurrency=args.concurrency, queues=queues)
    return EXIT_OK


async def cmd_migrate(app: Any, args: argparse.Namespace) -> int:
    from devussy_git import services

    created = await services.migrate(app)
    print("The state database's schema is current.")
    if app.settings.database_url.startswith(("postgresql", "postgres")):
        print(
            "The job queue's schema was created." if created["queue"] else "The job queue's schema was there already."
        )
    return EXIT_OK


async def cmd_cancel(app: Any, args: argparse.Namespace) -> int:
    from devussy_git import services

    done = await services.cancel_guild_run(app, args.project, args.run_id, actor=services.Actor.cli())
    if done.stopping:
        print(
            f"Run {done.run_id} of {done.project_id} is stopping: it ends at its next step, keeping the stages "
            "it finished; main does not move."
        )
    else:
        print(f"Run {done.run_id} of {done.project_id} is cancelled; it never started.")
    print(f"Resume it with: devussy-git run {done.project_id} --resume")
    return EXIT_OK


async def cmd_status(app: Any, args: argparse.Namespace) -> int:
    from devussy_git import services
    from devussy_git.faces.cli_output import format_status, status_to_json, to_json

    status = await services.project_status(app, args.project)
    # The chart is drawn before anything is printed: no plan means an error, not half an answer.
    png = await services.progress_chart(app, args.project) if args.chart is not None else None
    if png is not None:
        _write_chart(args.chart, png)
    if args.json:
        shown = status_to_json(status)
        if png is not None:
            shown["chart"] = str(args.chart)
        print(to_json(shown))
    else:
        print(format_status(status))
        if png is not None:
            print(f"Chart written to {args.chart} (PNG, {len(png) // 1024 or 1} KB)")
    return EXIT_OK


async def cmd_log(app: Any, args: argparse.Namespace) -> int:
    from devussy_git import services
    from devussy_git.faces.cli_output import commit_to_json, format_log, to_json

    commits = await services.log(app, args.project, limit=args.limit)
    if args.json:
        print(to_json([commit_to_json(c) for c in commits]))
    else:
        print(format_log(commits, colour=is_tty()))
    return EXIT_OK


async def cmd_diff(app: Any, args: argparse.Namespace) -> int:
    from devussy_git import services
    from devussy_git.faces.cli_output import format_diff

    result = await services.diff(app, args.project, args.rev_a, args.rev_b)
    sys.stdout.write(format_diff(result, colour=is_tty(), stat=args.stat).rstrip("\n") + "\n")
    return EXIT_OK


async def cmd_show(app: Any, args: argparse.Namespace) -> int:
    from devussy_git import services

    sys.stdout.write(await services.show(app, args.project, args.path, rev=args.rev))
    return EXIT_OK


async def cmd_projects(app: Any, args: argparse.Namespace) -> int:
    from devussy_git import services
    from devussy_git.faces.cli_output import to_json

    if args.trash:
        entries = await services.trash(app)
        if args.json:
            print(
                to_json(
                    [
                        {
                            "project_id": e.project_id,
                            "deleted_at": e.deleted_at.isoformat(),
                            "bundle": str(e.bundle),
                            "size": e.size,
                        }
                        for e in entries
                    ]
                )
            )
        elif not entries:
            print("The trash is empty.")
        else:
            for e in entries:
                print(f"{e.project_id}\tdeleted {e.deleted_at:%Y-%m-%d %H:%M} UTC\t{e.bundle.name}")
        return EXIT_OK
    projects = await services.list_projects(app, archived=args.archived)
    if args.json:
        print(
            to_json(
                [{"project_id": p.project_id, "name": p.name, "guild_id": p.guild_id, "node": p.node} for p in projects]
            )
        )
    elif not projects and args.archived:
        print("No archived projects.")
    elif not projects:
        archived = len(await services.list_projects(app, archived=True))
        print(
            f"No active projects ({archived} archived: `devussy-git projects --archived`)."
            if archived
            else "No projects yet. Create one with `devussy-git new <project> --answers FILE.json`."
        )
    else:
        for p in projects:
            elsewhere = f"\t(on node {p.node})" if p.node != app.settings.node else ""
            print(f"{p.project_id}\t{p.name}{elsewhere}")
    return EXIT_OK


async def cmd_revert(app: Any, args: argparse.Namespace) -> int:
    from devussy_git import services
    from devussy_git.faces.cli_output import format_diff

    target = await services.revert_target(app, args.project, rev=args.rev, step=args.step)
    what = f"{target.sha[:10]} {target.subject!r}" + (" and every later step" if args.range else "")
    if not args.yes and target.parents:
        from devussy_git.faces.cli_output import format_stat

        # What would be undone: the commit's own change (with --range, everything since).
        # Off a terminal the refusal below goes to stderr, and this with it.
        undone = await services.diff(app, args.project, target.parents[0], "main" if args.range else target.sha)
        out = sys.stdout if sys.stdin.isatty() else sys.stderr
        print(f"Reverting undoes:\n{format_stat(undone).rstrip()}", file=out)
    if not args.yes and not confirm(f"Revert {what}?"):
        print("Nothing reverted.")
        return EXIT_OK
    # Revert exactly the commit the user confirmed, even if main moved meanwhile.
    rev, step = (None, args.step) if args.range else (target.sha, None)
    try:
        result = await services.revert(
            app, args.project, actor=services.Actor.cli(), rev=rev, step=step, range_=args.range
        )
    except RevertConflictError as exc:
        step_no = target.trailers.get(services.TRAILER_STEP)
        if step_no and not args.range:
            raise RevertConflictError(
                f"{exc.user_message} To undo step {step_no} and every later step in one commit: "
                f"devussy-git revert {args.project} --step {step_no} --range",
                paths=exc.paths,
                later_commits=exc.later_commits,
            ) from exc
        raise
    print(f"[{result.commit.sha[:10]}] {result.commit.subject}")
    sys.stdout.write(format_diff(result.diff, colour=is_tty()).rstrip("\n") + "\n")
    return EXIT_OK


async def cmd_clone_url(app: Any, args: argparse.Namespace) -> int:
    from devussy_git import services
    from devussy_git.faces.cli_output import to_json

    info = await services.clone_url(app, args.project)
    base, source = services.public_url(app)
    if args.json:
        print(
            to_json(
                {
                    "project_id": info.project_id,
                    "url": info.url,
                    "plain_url": info.plain_url,
                    "public": info.public,
                    "commands": list(info.commands),
                    "labels": list(info.labels),
                    "base_url": base,
                    "base_url_from": source,
                }
            )
        )
    else:
        print(f"# Server: {base} ({source})")
        for label, command in zip(info.labels, info.commands, strict=True):
            print(f"# {label}")
            print(command)
    return EXIT_OK


async def cmd_clone_token(app: Any, args: argparse.Namespace) -> int:
    from devussy_git import services

    if args.rotate:
        info = await services.rotate_clone_token(app, args.project)
        print("New token issued; the old one no longer works.")
    else:
        info = await services.set_clone_public(app, args.project, bool(args.public))
        print(
            f"{args.project} is now {'public: no token needed' if info.public else 'private: the token is required'}."
        )
    print(info.commands[0])
    return EXIT_OK


async def cmd_maintenance(app: Any, args: argparse.Namespace) -> int:
    from devussy_git import services
    from devussy_git.faces.cli_output import format_maintenance, maintenance_to_json, to_json

    report = await services.run_maintenance(app, dry_run=args.dry_run)
    print(to_json(maintenance_to_json(report)) if args.json else format_maintenance(report))
    return EXIT_OK


ASYNC_VERBS: dict[str, Handler] = {
    "new": cmd_new,
    "run": cmd_run,
    "cancel": cmd_cancel,
    "worker": cmd_worker,
    "migrate": cmd_migrate,
    "status": cmd_status,
    "log": cmd_log,
    "diff": cmd_diff,
    "show": cmd_show,
    "projects": cmd_projects,
    "revert": cmd_revert,
    "clone-url": cmd_clone_url,
    "clone-token": cmd_clone_token,
    "maintenance": cmd_maintenance,
}


def _extra_verb(verb: str) -> Handler:
    """The handler of a verb that lives with its capability (only its module is imported)."""
    if verb in ("handoff-next", "proposals"):
        from devussy_git.faces import cli_agent

        return cli_agent.cmd_handoff_next if verb == "handoff-next" else cli_agent.cmd_proposals
    from devussy_git.faces import cli_lifecycle

    return {
        "archive": cli_lifecycle.cmd_archive,
        "restore": cli_lifecycle.cmd_restore,
        "delete": cli_lifecycle.cmd_delete,
        "move-project": cli_lifecycle.cmd_move_project,
    }[verb]


def _run_sync_verb(args: argparse.Namespace) -> int:
    if args.verb == "version":
        print(f"devussy-git {__version__}")
        return EXIT_OK
    if args.verb == "demo":
        from devussy_git.faces.demo import run_demo

        return run_demo(full_diffs=args.full_diffs)
    if args.verb == "serve":
        from devussy_git.faces.http import serve

        return serve(args.host, args.port, allow_unauthenticated=args.allow_unauthenticated)
    if args.verb == "bot":
        from devussy_git.faces.discord import run_bot

        return run_bot(dump_commands=args.dump_commands)
    raise UsageError(f"unknown verb {args.verb}")


async def _check_new(app: Any, args: argparse.Namespace) -> int:
    from devussy_git import services

    await services.ensure_project_id_free(app, args.project)
    return EXIT_OK


def _new_interactively(args: argparse.Namespace) -> int:
    """``new`` without ``--answers``: check the id, ask on the terminal, then create.

    The questions are asked outside the event loop, so one Ctrl-C (or end of
    input) ends the interview at once, and nothing has been written by then.
    """
    _run(_with_app(_check_new, args))
    try:
        args.typed_answers = ask_interview()
    except KeyboardInterrupt:
        print("\nInterview cancelled; nothing was written.", file=sys.stderr)
        return 130
    return _run(_with_app(cmd_new, args))


def _run(coro: Coroutine[Any, Any, int]) -> int:
    # asyncio is imported only once a verb runs: a usage error or --help never pays for it.
    import asyncio

    return asyncio.run(coro)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
        if args.verb is None:
            parser.print_help(sys.stderr)
            return EXIT_USAGE
        handler = ASYNC_VERBS.get(args.verb)
        if handler is None and args.verb in (
            "handoff-next",
            "proposals",
            "archive",
            "restore",
            "delete",
            "move-project",
        ):
            handler = _extra_verb(args.verb)
        if handler is None:
            return _run_sync_verb(args)
        _precheck(args)
        if args.verb == "new" and not args.answers:
            return _new_interactively(args)
        return _run(_with_app(handler, args))
    except UsageError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_USAGE
    except DevussyError as exc:
        problems = getattr(exc, "problems", []) or []
        headline = getattr(exc, "headline", None)
        # Listed problems are printed once, as bullets under a headline.
        print(f"error: {headline}:" if problems and headline else f"error: {exc.user_message}", file=sys.stderr)
        for problem in problems:
            print(f"  - {problem}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`devussy-git log ... | head`): stop quietly, as git does.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141
