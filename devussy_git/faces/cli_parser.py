"""The command line of ``devussy-git``: every verb, flag and help text (argparse).

Building the parser imports nothing heavy: ``new --help`` lists the interview's answer
keys, which are imported only when that help is shown. :class:`UsageError` is what a
command line that cannot be acted on raises (exit code 2).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from devussy_git import __version__

__all__ = ["UsageError", "build_parser"]


class UsageError(Exception):
    """A command line that cannot be acted on (exit code 2)."""


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"a port is 0-65535, got {value}")
    return value


#: Stands for the ``new`` verb's epilog until its help is shown: listing the answer keys
#: imports the interview's questions, which no other command line needs.
_ANSWER_KEYS_EPILOG = "(answer keys)"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{self.prog}: {message}")

    def format_help(self) -> str:
        if self.epilog is _ANSWER_KEYS_EPILOG:
            self.epilog = _answer_keys_help()
        return super().format_help()


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="devussy-git",
        description="Plan software with an LLM; every change is a commit in the project's git repo.",
    )
    p.add_argument("--version", action="version", version=f"devussy-git {__version__}")
    sub = p.add_subparsers(dest="verb", metavar="VERB", parser_class=_Parser)

    def verb(name: str, help_: str, epilog: str | None = None) -> argparse.ArgumentParser:
        return sub.add_parser(
            name,
            help=help_,
            description=help_,
            epilog=epilog,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )

    project_help = "project id: 1-63 lowercase letters, digits and single dashes (e.g. shop-api)"
    json_help = "print JSON instead of text"
    provider_help = "offline, openai, requesty or zai (default: LLM_DEFAULT_PROVIDER)"
    model_help = "model name as the provider knows it (default: LLM_DEFAULT_MODEL)"

    s = verb(
        "new",
        "Create a project repo and commit its interview (asks on the terminal without --answers).",
        epilog=_ANSWER_KEYS_EPILOG,
    )
    s.add_argument("project", help=project_help)
    s.add_argument(
        "--answers",
        type=Path,
        metavar="FILE.json",
        help="interview answers as one JSON object keyed by question id (below)",
    )

    s = verb(
        "run",
        "Run the Devussy pipeline: complexity → design → validation → devplan → phases → handoff. "
        "On a plan with steps done it asks before starting over (--yes off a terminal).",
    )
    s.add_argument("project", help=project_help)
    s.add_argument("--provider", help=provider_help)
    s.add_argument("--model", help=model_help)
    s.add_argument("--resume", action="store_true", help="resume the last failed run from its last completed stage")
    s.add_argument(
        "--yes",
        action="store_true",
        help="restart a plan that has progress without asking (a new run starts it over at 0)",
    )
    s.add_argument(
        "--detach",
        action="store_true",
        help="with DEVUSSY_EXECUTOR=queue: queue the run for the workers, print its id and return",
    )

    s = verb(
        "cancel",
        "Cancel the project's queued or running run: a queued run never starts; a running one stops "
        "at its next step and keeps the stages it finished (resume it with run --resume). main is not moved.",
    )
    s.add_argument("project", help=project_help)
    s.add_argument("run_id", nargs="?", metavar="RUN_ID", help="the run to cancel (default: the project's active run)")

    s = verb("status", "Show the last run's stages, plan progress and the next task.")
    s.add_argument("project", help=project_help)
    s.add_argument("--json", action="store_true", help=json_help)
    s.add_argument(
        "--chart",
        type=Path,
        metavar="FILE.png",
        help="also write a progress chart there: tasks done over the plan's history, one line "
        "per phase, reverts marked (a 1000x500 PNG; the project needs a plan)",
    )

    s = verb("handoff-next", "Let the agent take the next task, record the outcome and advance the plan.")
    s.add_argument("project", help=project_help)
    s.add_argument("--note", help="what the team did, decided or is blocked on")
    s.add_argument("--task", help="task id to work on instead of the next one (e.g. 2.3)")
    s.add_argument(
        "--preview", action="store_true", help="commit to a proposal instead of main (apply it with `proposals`)"
    )
    s.add_argument("--provider", help=provider_help)
    s.add_argument("--model", help=model_help)
    s.add_argument("--json", action="store_true", help=json_help)

    s = verb("proposals", "List preview proposals, or apply / discard one.")
    s.add_argument("project", help=project_help)
    s.add_argument(
        "action",
        nargs="?",
        choices=["apply", "discard"],
        help="apply: land the proposal on main; discard: drop it (default: list them)",
    )
    s.add_argument("proposal", nargs="?", metavar="ID", help="the proposal's id, as listed")
    s.add_argument("--json", action="store_true", help=json_help)

    s = verb(
        "revert",
        "Undo a step with a new commit (default: the newest handoff-next step). "
        "Shows what it would undo and asks first; off a terminal it needs --yes.",
    )
    s.add_argument("project", help=project_help)
    s.add_argument("rev", nargs="?", metavar="REV", help="commit to revert (sha, tag, main~1, ...)")
    s.add_argument("--step", type=_positive_int, metavar="N", help="the handoff-next step number to revert")
    s.add_argument("--range", action="store_true", help="with --step: revert steps N..newest as one commit")
    s.add_argument("--yes", "-y", action="store_true", help="do not ask for confirmation")

    s = verb("log", "Show the project's history, newest first.")
    s.add_argument("project", help=project_help)
    s.add_argument("--limit", type=_positive_int, default=20, metavar="N", help="how many commits (default: 20)")
    s.add_argument("--json", action="store_true", help=json_help)

    s = verb("diff", "Show a diff: newest commit, REV_A..main, or REV_A..REV_B.")
    s.add_argument("project", help=project_help)
    s.add_argument(
        "rev_a",
        nargs="?",
        metavar="REV_A",
        help="older revision: sha, run/<id> tag, main~N (default: the newest commit's parent)",
    )
    s.add_argument("rev_b", nargs="?", metavar="REV_B", help="newer revision (default: main)")
    s.add_argument("--stat", action="store_true", help="per-file counts only")

    s = verb("show", "Print a plan file at a revision.")
    s.add_argument("project", help=project_help)
    s.add_argument("path", metavar="PATH", help="file in the plan, e.g. devplan.md or phase2.md")
    s.add_argument("--rev", default="main", help="revision to read it at (default: main)")

    s = verb("projects", "List projects (archived ones only with --archived; deleted ones with --trash).")
    g = s.add_mutually_exclusive_group()
    g.add_argument("--archived", action="store_true", help="list the archived projects instead")
    g.add_argument(
        "--trash",
        action="store_true",
        help="list deleted projects whose bundles are still kept (restore brings them back)",
    )
    s.add_argument("--json", action="store_true", help=json_help)

    s = verb(
        "archive",
        "Make a project read-only and hide it from `projects`; its history still "
        "reads and clones. `restore` undoes it.",
    )
    s.add_argument("project", help=project_help)

    s = verb("restore", "Bring back an archived project, or a deleted one from its bundle in the trash.")
    s.add_argument("project", help=project_help)

    s = verb(
        "delete",
        "Delete a project for good (its repository and runs). A git bundle stays in "
        "<repos root>/.trash/ for DEVUSSY_TRASH_DAYS; asks you to type the id (--yes off a terminal).",
    )
    s.add_argument("project", help=project_help)
    s.add_argument("--yes", "-y", action="store_true", help="do not ask for confirmation")

    s = verb(
        "clone-url",
        "Print labelled git clone commands for a project (with its token), for the "
        "server running on these repos (or DEVUSSY_PUBLIC_URL).",
    )
    s.add_argument("project", help=project_help)
    s.add_argument("--json", action="store_true", help=json_help)

    s = verb("clone-token", "Rotate a project's clone token or make it public/private.")
    s.add_argument("project", help=project_help)
    g = s.add_mutually_exclusive_group(required=True)
    g.add_argument("--rotate", action="store_true", help="issue a new token; the old one stops working")
    g.add_argument("--public", action="store_true", help="allow cloning without a token")
    g.add_argument("--private", action="store_true", help="require the token again")

    s = verb(
        "maintenance",
        "Housekeeping: pack repositories, prune old proposals, delete run rows older than "
        "DEVUSSY_RUN_RETENTION_DAYS (run tags stay) and end interviews idle longer than "
        "DEVUSSY_INTERVIEW_TTL_DAYS, remove deleted projects' bundles older than DEVUSSY_TRASH_DAYS. "
        "serve and bot also run it every DEVUSSY_MAINTENANCE_INTERVAL_S.",
    )
    s.add_argument("--dry-run", action="store_true", help="list what would be done; change nothing")
    s.add_argument("--json", action="store_true", help=json_help)

    s = verb(
        "serve",
        "Run the HTTP service: runner API and git clone endpoint. On a host other than "
        "loopback it refuses to start without DEVUSSY_RUNNER_TOKEN unless --allow-unauthenticated.",
    )
    s.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    s.add_argument("--port", type=_port, default=8000, help="port to listen on (default 8000)")
    s.add_argument(
        "--allow-unauthenticated",
        action="store_true",
        help="serve the runner API without DEVUSSY_RUNNER_TOKEN on a non-loopback host: anyone "
        "who can reach it can start runs and read every project's plan",
    )

    s = verb(
        "worker",
        "Run queued runs (DEVUSSY_EXECUTOR=queue, PostgreSQL) until stopped; start one per machine or more. "
        "Runs of one project never overlap; a worker that dies has its run resumed by another.",
    )
    s.add_argument(
        "--concurrency", type=_positive_int, default=4, metavar="N", help="runs at once in this worker (default 4)"
    )
    s.add_argument(
        "--queues",
        default=None,
        metavar="Q[,Q…]",
        help="the queues to take jobs from (default: this node's, node-$DEVUSSY_NODE)",
    )

    s = verb(
        "move-project",
        "Move a project's repository to another node (DEVUSSY_EXECUTOR=queue): a worker of that node "
        "copies every ref from the owner's serve, checks it, then the project belongs to that node. "
        "Runs of the project wait meanwhile; follows the move to its end.",
    )
    s.add_argument("project", help="the project to move")
    s.add_argument("node", help="the node to move it to (a DEVUSSY_NODE whose serve has started)")

    s = verb(
        "migrate",
        "Create or upgrade the state database's schema and, on PostgreSQL, the job queue's; "
        "serve, bot and worker say when it is needed.",
    )

    s = verb("bot", "Run the Discord bot (needs DISCORD_TOKEN).")
    s.add_argument("--dump-commands", action="store_true", help="print the command payload and exit")

    s = verb("demo", "Offline quickstart: new → run → two handoff-next steps → revert, each change as its diff stat.")
    s.add_argument("--full-diffs", action="store_true", help="print every change's diff whole")
    verb("version", "Print the version.")
    return p


def _answer_keys_help() -> str:
    """The answer keys of ``--answers``, listed in ``new --help``."""
    from devussy_git.services import QUESTIONS

    lines = ["answer keys (* = required):"]
    for q in QUESTIONS:
        kind = {"yesno": "true/false", "number": "number or range", "list": "list of text"}.get(q.kind, "text")
        choices = f"; one of: {', '.join(q.choices)}" if q.choices and q.kind == "choice" else ""
        lines.append(f"  {q.id}{'*' if q.required else ''}  ({kind}{choices})")
    return "\n".join(lines)
