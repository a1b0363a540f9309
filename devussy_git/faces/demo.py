"""``devussy-git demo``: the offline quickstart, end to end, with no key and no network.

new (from the bundled Shop API interview) → run → two handoff-next steps →
revert of the last, printing each diff and the final log, then how to clone
the result. It always uses the offline provider, whatever is configured.
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


def _free_id(app: Any, base: str) -> str:
    if not app.store.exists(base):
        return base
    n = 2
    while app.store.exists(f"{base}-{n}"):
        n += 1
    return f"{base}-{n}"


def _rule(title: str) -> None:
    print(f"\n=== {title} " + "=" * max(3, 70 - len(title)))


async def _demo(out_colour: bool) -> int:
    from devussy_git import services
    from devussy_git.agent.usecases import handoff_next
    from devussy_git.app import open_app
    from devussy_git.config import load_settings
    from devussy_git.faces.cli_output import (
        format_diff,
        format_log,
        format_outcome,
        format_progress,
    )

    # The demo always uses the offline provider, whatever is configured (even a typo).
    settings = load_settings(
        {**os.environ, "LLM_DEFAULT_PROVIDER": "offline", "LLM_DEFAULT_MODEL": "offline"}
    )
    async with open_app(settings) as app:
        actor = services.Actor.cli()
        project_id = _free_id(app, "demo-shop-api")

        _rule(f"new {project_id}")
        created = await services.create_project(app, project_id, demo_answers(), actor=actor)
        print(f"[{created.commit.sha[:10]}] {created.commit.subject}")

        _rule(f"run {project_id} (offline provider)")
        outcome = await services.run_project(
            app, project_id, actor=actor, provider="offline",
            on_progress=lambda e: print(format_progress(e), flush=True),
        )
        print()
        print(format_outcome(outcome))

        for number, note in enumerate(DEMO_NOTES, 1):
            _rule(f"handoff-next #{number}")
            step = await handoff_next(app, project_id, actor=actor, note=note, provider="offline")
            print(f"[{step.commit.sha[:10]}] {step.commit.subject}")
            print(f"Task {step.task.id}: {step.task.title}")
            nxt = f"{step.next_task.id}: {step.next_task.title}" if step.next_task else "none"
            print(f"Next task: {nxt}\n")
            print(format_diff(step.diff, colour=out_colour).rstrip("\n"))

        _rule("revert the last step")
        reverted = await services.revert(app, project_id, actor=actor)
        print(f"[{reverted.commit.sha[:10]}] {reverted.commit.subject}\n")
        print(format_diff(reverted.diff, colour=out_colour).rstrip("\n"))

        _rule("log")
        print(format_log(await services.log(app, project_id, limit=None), colour=out_colour))

        _rule("clone it")
        path = app.store.path_of(project_id)
        print(f"By path:      git clone {path} {project_id}")
        print("Over HTTP:    devussy-git serve   # then, in another shell:")
        print(f"              devussy-git clone-url {project_id}")
    return 0


def run_demo() -> int:
    """Run the quickstart; returns the process exit code."""
    try:
        return asyncio.run(_demo(sys.stdout.isatty()))
    except DevussyError as exc:
        print(f"error: {exc.user_message}", file=sys.stderr)
        return 1
