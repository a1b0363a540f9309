"""``devussy-git demo``: the offline quickstart, end to end, with no key and no network.

new (from the bundled Shop API interview) → run → two handoff-next steps →
revert of the last, printing each change folded to its diff stat (``--full-diffs``
prints them whole) and the final log, then where it wrote, how to clone the
result and three commands to try next. It always uses the offline provider,
whatever is configured.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from importlib import resources
from typing import Any

from devussy_git.errors import DevussyError

__all__ = ["DEMO_NOTES", "demo_answers", "run_demo"]

DEMO_NOTES = (
    "Scaffolded the FastAPI app with a /healthz route; Poetry and pre-commit configured.",
    "Chose Alembic for migrations; the first migration creates products and stock tables.",
)


def demo_answers() -> dict[str, Any]:
    text = resources.files("devussy_git").joinpath("fixtures", "demo_interview.json").read_text("utf-8")
    return dict(json.loads(text))


def _rule(title: str) -> None:
    print(f"\n=== {title} " + "=" * max(3, 70 - len(title)))


async def _demo(out_colour: bool, full_diffs: bool) -> int:
    from devussy_git import services
    from devussy_git.app import open_app
    from devussy_git.config import load_settings
    from devussy_git.faces.cli_output import (
        format_diff,
        format_log,
        format_outcome,
        format_progress,
    )

    # The demo always uses the offline provider, whatever is configured (even a typo).
    settings = load_settings({**os.environ, "LLM_DEFAULT_PROVIDER": "offline", "LLM_DEFAULT_MODEL": "offline"})

    def change(diff: Any) -> str:
        return format_diff(diff, colour=out_colour, stat=not full_diffs).rstrip("\n")

    async with open_app(settings) as app:
        actor = services.Actor.cli()
        project_id = await services.free_project_id(app, "demo-shop-api")

        _rule(f"new {project_id}")
        created = await services.create_project(app, project_id, demo_answers(), actor=actor)
        print(f"[{created.commit.sha[:10]}] {created.commit.subject}")

        _rule(f"run {project_id} (offline provider)")
        outcome = await services.run_project(
            app,
            project_id,
            actor=actor,
            provider="offline",
            # One line per finished stage: the summary below says the rest.
            on_progress=lambda e: None if e.state == "started" else print(format_progress(e), flush=True),
        )
        print()
        print(format_outcome(outcome))

        for number, note in enumerate(DEMO_NOTES, 1):
            _rule(f"handoff-next #{number}")
            step = await services.handoff_next(app, project_id, actor=actor, note=note, provider="offline")
            print(f"[{step.commit.sha[:10]}] {step.commit.subject}")
            print(f"Task {step.task.id}: {step.task.title}")
            nxt = f"{step.next_task.id}: {step.next_task.title}" if step.next_task else "none"
            print(f"Next task: {nxt}\n")
            print(change(step.diff))

        _rule("revert the last step")
        reverted = await services.revert(app, project_id, actor=actor)
        print(f"[{reverted.commit.sha[:10]}] {reverted.commit.subject}\n")
        print(change(reverted.diff))

        _rule("log (newest 5)")
        print(format_log(await services.log(app, project_id, limit=5), colour=out_colour))
        print(f"… the whole history: devussy-git log {project_id}")

        _rule("where it went")
        path = await services.repo_path(app, project_id)
        print(f"Plan repositories: {app.settings.repos_root}  (DEVUSSY_REPOS_ROOT)")
        print(f"State database:    {services.database_url(app)}  (DATABASE_URL)")
        if not full_diffs:
            print("Each change above is folded to its diff stat: `devussy-git demo --full-diffs` shows them whole.")
        print(f"Clone it:          git clone {path} {project_id}")
        print(f"Over HTTP:         devussy-git serve, then devussy-git clone-url {project_id}")

        _rule("try next")
        print(f"devussy-git status {project_id}                 # progress and the next task")
        print(f'devussy-git handoff-next {project_id} --note "Stripe keys added"   # take the next task')
        print(f"devussy-git diff {project_id}                   # what the last commit changed")
    return 0


def run_demo(*, full_diffs: bool = False) -> int:
    """Run the quickstart; returns the process exit code."""
    try:
        return asyncio.run(_demo(sys.stdout.isatty(), full_diffs))
    except DevussyError as exc:
        print(f"error: {exc.user_message}", file=sys.stderr)
        return 1
