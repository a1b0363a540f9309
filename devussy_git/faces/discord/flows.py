"""The steps a command or a button goes through: call a service, render, send.

Shared by slash commands and persistent buttons, so ``/devussy revert`` and
the Revert button behave the same. Every flow is called after the
interaction was acknowledged (deferred) and answers with follow-ups. Flows
hold no wording (render) and no rules (services).
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from typing import Any

import discord

from devussy_git import services
from devussy_git.errors import RestartNeedsConfirmationError
from devussy_git.faces.discord import render
from devussy_git.faces.discord.context import Ctx
from devussy_git.faces.discord.hud import refresh_hud
from devussy_git.faces.discord.progress import ProgressTracker
from devussy_git.faces.discord.send import edit_message, reply
from devussy_git.services import ProgressEvent, RunStarted

__all__ = [
    "apply_proposal",
    "confirm_revert",
    "discard_proposal",
    "full_diff",
    "log_page",
    "revert",
    "run_with_progress",
    "start_run",
    "step",
]

log = logging.getLogger(__name__)


async def start_run(
    ctx: Ctx, interaction: discord.Interaction, project: str, *, resume: bool = False, restart: bool = False
) -> None:
    """Queue a run (in-process or on the runner) and follow it to its summary.

    A run that would start a plan with progress over is first confirmed with a button.
    """
    try:
        await _start_run(ctx, interaction, project, resume=resume, restart=restart)
    except RestartNeedsConfirmationError as exc:
        await reply(interaction, render.render_restart_confirm(project, exc.user_message))


async def _start_run(ctx: Ctx, interaction: discord.Interaction, project: str, *, resume: bool, restart: bool) -> None:
    started = await services.start_guild_run(
        ctx.app,
        project,
        actor=ctx.actor,
        caller=ctx.caller,
        guild_id=ctx.guild_id,
        resume=resume,
        restart=restart,
    )
    await run_with_progress(ctx, interaction, started)


async def run_with_progress(ctx: Ctx, interaction: discord.Interaction, started: RunStarted) -> None:
    """Follow a started run (whichever executor runs it), editing one progress message."""
    tracker = ProgressTracker(started.run_id, started.project_id, ctx.bot.progress_interval_s)
    message = await reply(interaction, render.render_progress(tracker.snapshot()))
    extra = ctx.log_extra(started.project_id, started.run_id)
    log.info("run %s of %s started", started.run_id, started.project_id, extra=extra)

    async def on_progress(event: ProgressEvent) -> None:
        tracker.event(event.stage, event.state, event.elapsed_s, event.tokens_in, event.tokens_out, event.detail)
        if tracker.should_edit(time.monotonic()):
            await edit_message(message, render.render_progress(tracker.snapshot()), channel=interaction.channel)

    finished = await services.follow_run(ctx.app, started, actor=ctx.actor, on_progress=on_progress)
    if finished.state == "cancelled":
        log.info("run %s cancelled", started.run_id, extra=extra)
        tracker.status([], tracker.snapshot().elapsed_s, error="cancelled")
        await edit_message(message, render.render_progress(tracker.snapshot()), channel=interaction.channel)
        await reply(interaction, render.render_run_cancelled(started.project_id, started.run_id))
        return
    if not finished.ok or finished.summary is None:
        error = finished.error or "failed"
        log.info("run %s failed: %s", started.run_id, error, extra=extra)
        tracker.status([], tracker.snapshot().elapsed_s, error=error)
        await edit_message(message, render.render_progress(tracker.snapshot()), channel=interaction.channel)
        await reply(interaction, render.render_run_failed(started.project_id, started.run_id, error))
        return
    await edit_message(message, render.render_progress(tracker.snapshot()), channel=interaction.channel)
    clone = await services.clone_url(ctx.app, started.project_id, guild_id=ctx.guild_id)
    await reply(interaction, render.render_run_summary(finished.summary, clone))
    log.info("run %s of %s completed", started.run_id, started.project_id, extra=extra)
    await refresh_hud(ctx.bot, started.project_id, channel=interaction.channel)


async def step(
    ctx: Ctx,
    interaction: discord.Interaction,
    project: str,
    *,
    note: str | None,
    task: str | None,
    preview: bool,
) -> None:
    """handoff-next: one step (or a preview) with its diff."""
    await ctx.require_operator()
    config = await services.effective_config(ctx.app, ctx.guild_id)
    result = await services.handoff_next(
        ctx.app,
        project,
        actor=ctx.actor,
        note=note,
        task=task,
        preview=preview,
        provider=config.provider,
        model=config.model,
        guild_id=ctx.guild_id,
    )
    log.info("handoff-next step %s of %s", result.step, project, extra=ctx.log_extra(project))
    await reply(interaction, render.render_step(project, result))
    if not preview:
        await refresh_hud(ctx.bot, project, channel=interaction.channel)


async def cancel(ctx: Ctx, interaction: discord.Interaction, project: str, run_id: str | None) -> None:
    """Cancel the project's queued or running run (the run's own message then says it ended)."""
    await ctx.require_operator()
    await services.get_project(ctx.app, project, guild_id=ctx.guild_id)
    done = await services.cancel_guild_run(ctx.app, project, run_id, actor=ctx.actor)
    log.info("run %s of %s cancel asked", done.run_id, project, extra=ctx.log_extra(project, done.run_id))
    await reply(interaction, render.render_cancel(done))


async def confirm_revert(
    ctx: Ctx, interaction: discord.Interaction, project: str, *, rev: str | None, step_number: int | None
) -> None:
    """Show what a revert would undo and ask the same person to confirm."""
    await ctx.require_operator()
    target = await services.revert_target(ctx.app, project, rev=rev, step=step_number, guild_id=ctx.guild_id)
    parent = target.parents[0] if target.parents else None
    if parent is None:
        diff = await services.diff(ctx.app, project, target.sha, target.sha, guild_id=ctx.guild_id)
    else:
        diff = await services.diff(ctx.app, project, parent, target.sha, guild_id=ctx.guild_id)
    await reply(interaction, render.render_revert_confirm(project, target, diff))


async def revert(ctx: Ctx, interaction: discord.Interaction, project: str, sha: str) -> None:
    """The confirmed revert."""
    await ctx.require_operator()
    result = await services.revert(ctx.app, project, actor=ctx.actor, rev=sha, guild_id=ctx.guild_id)
    log.info("reverted %s in %s", sha, project, extra=ctx.log_extra(project))
    await reply(interaction, render.render_reverted(project, result))
    await refresh_hud(ctx.bot, project, channel=interaction.channel)


async def full_diff(ctx: Ctx, interaction: discord.Interaction, project: str, sha: str) -> None:
    target = await services.revert_target(ctx.app, project, rev=sha, guild_id=ctx.guild_id)
    base = target.parents[0] if target.parents else None
    diff = await services.diff(ctx.app, project, base or target.sha, target.sha, guild_id=ctx.guild_id)
    await reply(interaction, render.render_full_diff(project, diff))


async def apply_proposal(ctx: Ctx, interaction: discord.Interaction, project: str, proposal_id: str) -> None:
    await ctx.require_operator()
    result = await services.apply_proposal(ctx.app, project, proposal_id, actor=ctx.actor, guild_id=ctx.guild_id)
    log.info("applied proposal %s of %s", proposal_id, project, extra=ctx.log_extra(project))
    await reply(interaction, render.render_step(project, result, applied=True))
    await refresh_hud(ctx.bot, project, channel=interaction.channel)


async def discard_proposal(ctx: Ctx, interaction: discord.Interaction, project: str, proposal_id: str) -> None:
    await ctx.require_operator()
    await services.discard_proposal(ctx.app, project, proposal_id, guild_id=ctx.guild_id)
    await reply(interaction, render.render_discarded(project, proposal_id))


async def log_page(ctx: Ctx, project: str, page: int) -> Any:
    """The payload of one log page (the caller sends or edits with it)."""
    size = render.LOG_PAGE_SIZE
    commits = await services.log(ctx.app, project, limit=(page + 1) * size + 1, guild_id=ctx.guild_id)
    shown = commits[page * size : (page + 1) * size]
    return render.render_log(
        project, shown, page=page, has_more=len(commits) > (page + 1) * size, now=datetime.now(UTC)
    )
