"""Command options: the project argument (autocomplete from the guild's
projects) and the file argument of ``show`` (autocomplete from the repo).

Autocomplete answers within Discord's 3 seconds from the database and one
tree listing; it never raises (a failing suggestion list is just empty) and
never suggests another guild's projects or files.
"""

from __future__ import annotations

import logging
from typing import Any

import discord
from discord import app_commands

from devussy_git import services
from devussy_git.errors import DevussyError, InvalidInputError
from devussy_git.services import PROJECT_ID_RE

__all__ = ["ProjectTransformer", "complete_file", "project_choices"]

log = logging.getLogger(__name__)

_MAX_CHOICES = 25


async def project_choices(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
    bot: Any = interaction.client
    app = bot.app
    if app is None or interaction.guild_id is None:
        return []
    prefix = current.strip().lower()
    try:
        records = await services.project_choices(app, interaction.guild_id, prefix, limit=_MAX_CHOICES)
    except DevussyError as exc:
        log.warning("project autocomplete failed: %s", exc.user_message)
        return []
    return [app_commands.Choice(name=f"{r.project_id} — {r.name}"[:100], value=r.project_id) for r in records]


class ProjectTransformer(app_commands.Transformer):
    """A project id of this guild; suggestions come from the guild's projects."""

    async def transform(self, interaction: discord.Interaction, value: Any) -> str:
        text = str(value).strip().lower()
        if not PROJECT_ID_RE.fullmatch(text):
            raise InvalidInputError(f"{str(value)[:80]!r} is not a project id (lowercase letters, digits, dashes).")
        return text

    async def autocomplete(  # type: ignore[override]
        self, interaction: discord.Interaction, value: str
    ) -> list[app_commands.Choice[str]]:
        return await project_choices(interaction, value)


async def complete_file(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
    """Files of the project named in the command (or the thread's project)."""
    bot: Any = interaction.client
    app = bot.app
    if app is None or interaction.guild_id is None:
        return []
    named = getattr(interaction.namespace, "project", None)
    try:
        project = named or await services.project_for_thread(app, interaction.channel_id, interaction.guild_id)
        if not project:
            return []
        files = await services.list_files(app, project, guild_id=interaction.guild_id)
    except DevussyError:
        return []
    wanted = current.strip().lower()
    matches = [f for f in files if wanted in f.lower()]
    return [app_commands.Choice(name=f[:100], value=f[:100]) for f in matches[:_MAX_CHOICES]]
