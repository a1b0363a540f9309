"""Keep each project thread's pinned heads-up message current.

One message per project, sent and pinned once, then edited in place (an edit
does not bump the thread; a pin would post a system message each time). Its
place and a digest of what it shows are in the database, so a restarted bot
edits the same message, and an unchanged HUD is never edited again. Flows
call :func:`refresh_hud` after a run, step, apply or revert; the bot's
refresher (:func:`start_hud_refresher`) catches changes made elsewhere (CLI,
HTTP) by comparing each project's ``main`` with the commit its HUD shows.
A HUD that cannot be sent, pinned or edited is logged, never raised: the
change it reports has already happened.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import discord

from devussy_git import services
from devussy_git.errors import DevussyError, NotFoundError
from devussy_git.faces.discord.render_hud import hud_digest, render_hud
from devussy_git.faces.discord.send import payload_kwargs, send_to
from devussy_git.services import HudRecord

__all__ = ["refresh_hud", "retire_hud", "start_hud_refresher"]

log = logging.getLogger(__name__)

_locks: dict[str, asyncio.Lock] = {}


async def _channel(bot: Any, channel_id: int) -> Any:
    channel = bot.get_channel(channel_id)
    if channel is not None:
        return channel
    try:
        return await bot.fetch_channel(channel_id)
    except (discord.NotFound, discord.Forbidden):
        return None


async def refresh_hud(bot: Any, project_id: str, *, channel: Any = None) -> bool:
    """Send, pin or edit the HUD of ``project_id``'s thread; whether it changed anything."""
    app = bot.app
    if app is None:
        return False
    lock = _locks.setdefault(project_id, asyncio.Lock())
    async with lock:
        try:
            return await _refresh(bot, app, project_id, channel)
        except (DevussyError, discord.HTTPException) as exc:
            log.warning("could not update the HUD of %s: %s", project_id, getattr(exc, "user_message", exc))
            return False


async def _chart(app: Any, project_id: str) -> bytes | None:
    try:
        return await services.progress_chart(app, project_id)
    except DevussyError as exc:
        log.info("no progress picture for the HUD of %s: %s", project_id, exc.user_message)
        return None


async def _refresh(bot: Any, app: Any, project_id: str, channel: Any) -> bool:
    try:
        hud = await services.project_hud(app, project_id)
    except NotFoundError:
        return False
    thread_id = hud.project.thread_id
    if thread_id is None:
        return False
    # The picture follows from the history, so the text and the commit say whether
    # anything changed: an unchanged HUD is neither drawn nor edited again.
    shown = hud_digest(hud.head, render_hud(hud))
    known = await services.hud_record(app, project_id)
    if known is not None and known.channel_id == thread_id and known.shown == shown:
        return False
    if channel is None or getattr(channel, "id", None) != thread_id:
        channel = await _channel(bot, thread_id)
        if channel is None:
            log.info("the thread of %s is gone; its HUD is not kept", project_id)
            return False
    payload = render_hud(hud, await _chart(app, project_id) if hud.planned else None)
    if known is not None and known.channel_id == thread_id:
        try:
            await channel.get_partial_message(known.message_id).edit(**payload_kwargs(payload, editing=True))
            await services.save_hud(app, HudRecord(project_id, thread_id, known.message_id, shown))
            return True
        except discord.NotFound:
            log.info("the HUD message of %s was deleted; sending a new one", project_id)
    message = await send_to(channel, payload)
    await services.save_hud(app, HudRecord(project_id, thread_id, message.id, shown))
    try:
        await message.pin(reason="devussy: the project's heads-up display")
    except discord.HTTPException as exc:
        log.warning("could not pin the HUD of %s (%s): give the bot the Pin Messages permission", project_id, exc)
    return True


async def retire_hud(bot: Any, record: HudRecord | None, payload: Any) -> None:
    """Replace a HUD whose project is gone (deleted) with ``payload``; logged, never raised."""
    if record is None:
        return
    try:
        channel = await _channel(bot, record.channel_id)
        if channel is not None:
            await channel.get_partial_message(record.message_id).edit(**payload_kwargs(payload, editing=True))
    except discord.HTTPException as exc:
        log.info("could not retire the HUD of %s: %s", record.project_id, exc)


def start_hud_refresher(bot: Any, interval_s: float) -> asyncio.Task[None] | None:
    """Every ``interval_s``, refresh the HUD of each project whose ``main`` moved."""
    if interval_s <= 0 or bot.app is None:
        return None

    async def loop() -> None:
        while True:
            await asyncio.sleep(interval_s)
            try:
                for project_id in await services.huds_behind(bot.app):
                    await refresh_hud(bot, project_id)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("the HUD refresher failed; next pass in %.0f s", interval_s)

    task = asyncio.get_running_loop().create_task(loop(), name="hud-refresher")
    bot.app.tasks.add(task)
    task.add_done_callback(bot.app.tasks.discard)
    return task
