"""Who asked, where, and with which app: read once from an interaction.

Commands and buttons start with ``ctx = Ctx.of(interaction)`` and pass its
``guild_id``, ``actor`` and ``caller`` to every service call, so no call can
forget the guild (a guild never sees another guild's projects). Holds no
logic beyond reading the interaction and the thread's project.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import discord

from devussy_git import services
from devussy_git.app import App
from devussy_git.errors import InvalidInputError
from devussy_git.services import Actor, Caller

if TYPE_CHECKING:
    from devussy_git.faces.discord.bot import DevussyBot

__all__ = ["THREAD_TYPES", "Ctx", "caller_of", "is_thread"]

log = logging.getLogger(__name__)

THREAD_TYPES = (
    discord.ChannelType.public_thread,
    discord.ChannelType.private_thread,
    discord.ChannelType.news_thread,
)


def is_thread(channel: Any) -> bool:
    return getattr(channel, "type", None) in THREAD_TYPES


def caller_of(user: discord.abc.User, permissions: discord.Permissions) -> Caller:
    # @everyone is in every member's roles: it must never count as a configured role.
    roles = frozenset(role.id for role in getattr(user, "roles", ()) if role is not None and not role.is_default())
    return Caller(user.id, roles, bool(permissions.manage_guild or permissions.administrator))


@dataclass(frozen=True)
class Ctx:
    bot: DevussyBot
    app: App
    guild_id: int
    channel_id: int | None
    actor: Actor
    caller: Caller

    @classmethod
    def of(cls, interaction: discord.Interaction) -> Ctx:
        if interaction.guild_id is None:
            raise InvalidInputError("Devussy works inside a server, not in direct messages.")
        bot: DevussyBot = interaction.client  # type: ignore[assignment]
        user = interaction.user
        return cls(
            bot=bot,
            app=bot.require_app(),
            guild_id=interaction.guild_id,
            channel_id=interaction.channel_id,
            actor=Actor.discord(user.id, user.display_name),
            caller=caller_of(user, interaction.permissions),
        )

    async def project(self, given: str | None) -> str:
        """The named project, else the one bound to the current thread."""
        if given:
            return given
        bound = await services.project_for_thread(self.app, self.channel_id, self.guild_id)
        if bound is None:
            raise InvalidInputError("Name a project, or use this command in a project's thread.")
        return bound

    def log_extra(self, project: str | None = None, run: str | None = None) -> dict[str, Any]:
        return {"guild_id": self.guild_id, "user_id": self.caller.user_id, "project_id": project, "run_id": run}

    async def require_operator(self) -> None:
        await services.check_operator(self.app, self.guild_id, self.caller)

    async def require_admin(self) -> None:
        await services.check_admin(self.app, self.guild_id, self.caller)
