"""The handoff-next and proposal use cases every face calls.

Each function checks the project (and its guild) first, then holds the
project's in-process lock for the whole step so two steps on one project in
one process never interleave; across processes the store's compare-and-swap
decides. With ``DEVUSSY_EXECUTOR=queue`` a handoff-next step runs on a worker
(:mod:`.step_jobs`), in line with the project's runs. They return plain values and never print or format for a face.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable

from devussy_git.agent import proposals as _proposals
from devussy_git.agent.proposals import Proposal
from devussy_git.agent.selection import PlanCompleteError
from devussy_git.agent.step import StepResult, run_step, step_result
from devussy_git.app import App
from devussy_git.errors import InvalidInputError
from devussy_git.services.actors import Actor
from devussy_git.services.endpoints import llm_client_for
from devussy_git.services.maintenance import pack_if_needed
from devussy_git.services.projects import ensure_no_active_run, ensure_writable, get_project
from devussy_git.store.trailers import TRAILER_MODEL, TRAILER_TOKENS

log = logging.getLogger(__name__)

__all__ = [
    "NOTE_MAX_CHARS",
    "PlanCompleteError",
    "Proposal",
    "StepResult",
    "apply_proposal",
    "check_note",
    "discard_proposal",
    "handoff_next",
    "list_proposals",
]


#: Longest team note a step accepts (it goes into the prompt and the plan).
NOTE_MAX_CHARS = 4000
_NOTE_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def check_note(note: str | None) -> str | None:
    """The team's note, checked before any model call (``None`` or blank: no note).

    The note reaches the plan through the model, so what the plan could never
    hold (comment markers, control characters) is refused here, naming the note,
    instead of making the model fail three times.
    """
    if note is None or not note.strip():
        return None
    if len(note) > NOTE_MAX_CHARS:
        raise InvalidInputError(f"The note is {len(note)} characters; keep it under {NOTE_MAX_CHARS}.")
    if "<!--" in note or "-->" in note:
        raise InvalidInputError("The note may not contain HTML comment markers (<!-- or -->).")
    if _NOTE_CONTROL.search(note):
        raise InvalidInputError("The note contains control characters; send plain text.")
    return note.strip()


async def _checked(app: App, project_id: str, guild_id: int | None) -> str:
    record = await get_project(app, project_id, guild_id=guild_id)
    return record.project_id


async def handoff_next(
    app: App,
    project_id: str,
    *,
    actor: Actor,
    note: str | None = None,
    task: str | None = None,
    preview: bool = False,
    provider: str | None = None,
    model: str | None = None,
    guild_id: int | None = None,
) -> StepResult:
    """Let the agent take the next task (or ``task``), record it and advance the plan.

    ``preview`` parks the step on ``refs/proposals/<id>`` instead of ``main``;
    ``provider``/``model`` override the configured profile for this step, and
    with ``guild_id`` the guild's endpoint (its LLM profile) is used. With
    ``DEVUSSY_EXECUTOR=queue`` a worker runs the step and this waits for it.
    """
    project_id = await _checked(app, project_id, guild_id)
    note = check_note(note)
    if not preview:
        # A run rewrites the plan stage by stage: refuse at once rather than wait for it.
        await ensure_no_active_run(app, project_id)
    else:
        await ensure_writable(app, project_id)
    if app.settings.executor == "queue":
        from devussy_git.services.step_jobs import submit_step

        request = {
            "note": note,
            "task": task,
            "preview": preview,
            "provider": provider,
            "model": model,
            "guild_id": guild_id,
        }
        return await submit_step(app, project_id, actor=actor, request=request)
    return await run_step_here(
        app,
        project_id,
        actor=actor,
        note=note,
        task=task,
        preview=preview,
        provider=provider,
        model=model,
        guild_id=guild_id,
    )


async def run_step_here(
    app: App,
    project_id: str,
    *,
    actor: Actor,
    note: str | None,
    task: str | None,
    preview: bool,
    provider: str | None,
    model: str | None,
    guild_id: int | None,
    on_chosen: Callable[[str, str], Awaitable[None]] | None = None,
    before_land: Callable[[], Awaitable[None]] | None = None,
) -> StepResult:
    """Run a checked step in this process (the local executor, or a queue worker)."""
    client = await llm_client_for(app, provider=provider, model=model, guild_id=guild_id)
    repo = await asyncio.to_thread(app.store.open, project_id)
    async with app.lock_for(project_id):
        if preview:
            await asyncio.to_thread(_proposals.prune_proposals, repo, app.settings.proposal_max_age_s)
        result = await run_step(
            repo,
            client,
            author=actor.identity,
            actor=actor.trailer,
            note=note,
            task_id=task,
            preview=preview,
            on_chosen=on_chosen,
            before_land=before_land,
        )
    tokens = result.commit.trailers.get(TRAILER_TOKENS, "")
    model_name = result.commit.trailers.get(TRAILER_MODEL, client.profile.model)
    tin, tout = _tokens(tokens)
    app.metrics.count_llm_tokens(model_name, tin, tout)
    await pack_if_needed(app, project_id)
    return result


def _tokens(value: str) -> tuple[int, int]:
    parts = dict(part.strip().split("=", 1) for part in value.split(",") if "=" in part)
    return (
        int(parts["in"]) if parts.get("in", "").isdigit() else 0,
        int(parts["out"]) if parts.get("out", "").isdigit() else 0,
    )


async def list_proposals(app: App, project_id: str, *, guild_id: int | None = None) -> list[Proposal]:
    """The project's proposals, oldest first (expired ones are pruned first)."""
    project_id = await _checked(app, project_id, guild_id)
    repo = await asyncio.to_thread(app.store.open, project_id)
    async with app.lock_for(project_id):
        await asyncio.to_thread(_proposals.prune_proposals, repo, app.settings.proposal_max_age_s)
        return await asyncio.to_thread(_proposals.list_proposals, repo)


async def apply_proposal(
    app: App, project_id: str, proposal_id: str, *, actor: Actor, guild_id: int | None = None
) -> StepResult:
    """Land a proposal on ``main`` (fast-forward or clean rebase), or refuse why not.

    The step keeps the author who asked for it (as ``git rebase`` does);
    ``actor``, who applied it, is logged.
    """
    project_id = await _checked(app, project_id, guild_id)
    await ensure_no_active_run(app, project_id)
    repo = await asyncio.to_thread(app.store.open, project_id)
    async with app.lock_for(project_id):

        def go() -> StepResult:
            proposal, landing = _proposals.apply_proposal(repo, proposal_id)
            return step_result(repo, landing, proposal.task, proposal.summary, proposal.id)

        result = await asyncio.to_thread(go)
    log.info(
        "proposal %s of %s applied by %s as %s",
        result.proposal_id,
        project_id,
        actor.trailer,
        result.commit.sha[:10],
    )
    return result


async def discard_proposal(app: App, project_id: str, proposal_id: str, *, guild_id: int | None = None) -> None:
    """Delete a proposal."""
    project_id = await _checked(app, project_id, guild_id)
    await ensure_writable(app, project_id)
    repo = await asyncio.to_thread(app.store.open, project_id)
    async with app.lock_for(project_id):
        await asyncio.to_thread(_proposals.discard_proposal, repo, proposal_id)
