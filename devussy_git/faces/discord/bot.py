"""The Discord client: command tree, persistent buttons, the interview listener.

:class:`DevussyBot` is built without connecting (the tree and its commands
exist at once, for ``--dump-commands`` and tests); ``setup_hook`` opens the
:class:`~devussy_git.app.App`, registers the dynamic buttons and syncs the
commands (to ``DEVUSSY_DEV_GUILD`` when set, else globally). Messages in a
thread with an open interview answer it; every other message is ignored.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import discord
from discord import app_commands

from devussy_git import services
from devussy_git.app import App, build_app
from devussy_git.config import Settings
from devussy_git.errors import DevussyError, UnavailableError
from devussy_git.faces.discord import render
from devussy_git.faces.discord.commands import register
from devussy_git.faces.discord.context import is_thread
from devussy_git.faces.discord.errors import (
    report_interaction_error,
    report_message_error,
)
from devussy_git.faces.discord.send import send_to
from devussy_git.faces.discord.views import ActionButton
from devussy_git.services import Actor

__all__ = ["DevussyBot", "command_payload", "intents"]

log = logging.getLogger(__name__)


def intents() -> discord.Intents:
    """Guilds and guild messages, plus message content (the interview reads answers)."""
    wanted = discord.Intents.none()
    wanted.guilds = True
    wanted.guild_messages = True
    wanted.message_content = True
    return wanted


class DevussyBot(discord.Client):
    """The bot. ``app`` may be given (tests); otherwise it is built on start."""

    def __init__(
        self,
        settings: Settings,
        *,
        app: App | None = None,
        sync_commands: bool = True,
        progress_interval_s: float = 1.5,
    ) -> None:
        super().__init__(intents=intents())
        self.settings = settings
        self.app: App | None = app
        self.sync_commands = sync_commands
        self.progress_interval_s = progress_interval_s
        self.tree: app_commands.CommandTree[DevussyBot] = app_commands.CommandTree(self)
        self.tree.error(report_interaction_error)
        register(self.tree)
        self.add_dynamic_items(ActionButton)
        self._thread_locks: dict[int, asyncio.Lock] = {}

    def thread_lock(self, thread_id: int) -> asyncio.Lock:
        """Serialises interview answers of one thread (typed and pressed alike)."""
        return self._thread_locks.setdefault(thread_id, asyncio.Lock())

    def require_app(self) -> App:
        if self.app is None:
            raise UnavailableError("The bot is still starting; try again in a moment.")
        return self.app

    async def setup_hook(self) -> None:
        if self.app is None:
            self.app = await build_app(self.settings)
            from devussy_git import services

            services.start_periodic_maintenance(self.app)
        from devussy_git.faces.discord.hud import start_hud_refresher

        start_hud_refresher(self, self.settings.hud_refresh_s)
        if not self.sync_commands:
            return
        from devussy_git import services

        guild_id = self.settings.discord_dev_guild
        scope = "global" if guild_id is None else f"guild:{guild_id}"
        digest = services.commands_digest([c.to_dict(self.tree) for c in self.tree.get_commands()])
        if not await services.commands_need_sync(self.app, scope, digest):
            log.info("commands unchanged since the last sync (%s); not synced again", scope)
            return
        if guild_id is not None:
            guild = discord.Object(id=guild_id)
            self.tree.copy_global_to(guild=guild)
            synced = await self.tree.sync(guild=guild)
            log.info("synced %d commands to guild %s", len(synced), guild_id)
        else:
            synced = await self.tree.sync()
            log.info("synced %d commands globally (may take up to an hour to show)", len(synced))
        await services.remember_commands_synced(self.app, scope, digest)

    async def close(self) -> None:
        try:
            if self.app is not None:
                await self.app.close()
        finally:
            await super().close()

    async def on_raw_thread_delete(self, payload: discord.RawThreadDeleteEvent) -> None:
        """A deleted interview thread ends its interview, so the name can be used again."""
        if self.app is None:
            return
        try:
            await services.cancel_interview_of_thread(self.app, payload.thread_id)
        except DevussyError as exc:
            log.info("could not end the interview of deleted thread %s: %s", payload.thread_id, exc.user_message)
        self._thread_locks.pop(payload.thread_id, None)

    async def on_ready(self) -> None:
        log.info("connected as %s to %d guilds", self.user, len(self.guilds))

    async def on_message(self, message: discord.Message) -> None:
        """Interview answers: messages from the interviewee in an interview thread."""
        if message.author.bot or message.guild is None or not is_thread(message.channel):
            return
        # Pins, renames, joins and other system messages are never answers.
        if message.type not in (discord.MessageType.default, discord.MessageType.reply):
            return
        if self.app is None:
            return
        # Most thread messages belong to no interview: look before taking a lock.
        if await services.current_interview(self.app, message.channel.id) is None:
            return
        async with self.thread_lock(message.channel.id):
            try:
                step = await services.answer_interview(
                    self.app,
                    message.channel.id,
                    message.author.id,
                    message.content,
                    actor=Actor.discord(message.author.id, message.author.display_name),
                )
                if step is None:
                    return
                log.info(
                    "interview %s: %s",
                    step.session.project_id,
                    step.state,
                    extra={"guild_id": message.guild.id, "project_id": step.session.project_id},
                )
                await send_to(message.channel, render.render_interview(step))
            except Exception as exc:  # noqa: BLE001 - the listener's error boundary (same mapper as commands)
                await report_message_error(message, exc)


def command_payload(settings: Settings | None = None) -> list[dict[str, Any]]:
    """The JSON the bot would sync: every command, built without a token or a connection."""
    bot = DevussyBot(settings or Settings(), sync_commands=False)
    return [command.to_dict(bot.tree) for command in bot.tree.get_commands()]
