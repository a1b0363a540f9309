"""The one place the Discord face turns errors into replies.

``DevussyError`` → its ``user_message``, ephemeral. Anything else →
"something went wrong (error id …)" with the traceback logged under that id,
plus the guild, user and command for whoever reads the log. Used by the
command tree's ``on_error``, by buttons and by the interview listener. It
must never show a traceback, a secret or a library message to a user.
"""

from __future__ import annotations

import logging
import secrets
from typing import Any

import discord
from discord import app_commands

from devussy_git.errors import DevussyError
from devussy_git.faces.discord import render
from devussy_git.faces.discord.payload import MessagePayload
from devussy_git.faces.discord.send import payload_kwargs, reply

__all__ = ["payload_for", "report_interaction_error", "report_message_error"]

log = logging.getLogger("devussy_git.faces.discord")


def _unwrap(error: BaseException) -> BaseException:
    while isinstance(error, app_commands.CommandInvokeError | app_commands.TransformerError):
        inner = error.__cause__ if isinstance(error, app_commands.TransformerError) else error.original
        if inner is None:
            break
        error = inner
    return error


def payload_for(error: BaseException, where: dict[str, Any]) -> MessagePayload:
    """The reply for ``error``; unexpected ones are logged with a fresh error id."""
    error = _unwrap(error)
    if isinstance(error, DevussyError):
        log.info("refused: %s", error.user_message, extra=where)
        return render.render_error(error.user_message)
    if isinstance(error, discord.Forbidden):
        log.warning("Discord refused the bot: %s", error.text, extra=where)
        return render.render_error(
            "Discord refused the bot a permission here. It needs View Channels, Send Messages, "
            "Send Messages in Threads, Create Public Threads, Embed Links and Attach Files."
        )
    if isinstance(error, app_commands.TransformerError):
        return render.render_error(f"{error.value!r} is not a valid {error.type.name.lower()}.")
    if isinstance(error, app_commands.NoPrivateMessage):
        return render.render_error("Devussy works inside a server, not in direct messages.")
    if isinstance(error, app_commands.MissingPermissions | app_commands.CheckFailure):
        return render.render_error(str(error) or "You may not use this command here.")
    error_id = secrets.token_hex(4)
    log.error(
        "error id %s: unexpected %s %s",
        error_id,
        type(error).__name__,
        where,
        exc_info=(type(error), error, error.__traceback__),
        extra={"error_id": error_id, **where},
    )
    return render.render_unexpected(error_id)


def _where(interaction: discord.Interaction) -> dict[str, Any]:
    command = interaction.command.qualified_name if interaction.command else None
    custom_id = (interaction.data or {}).get("custom_id") if interaction.data else None
    return {
        "guild_id": interaction.guild_id,
        "user_id": interaction.user.id if interaction.user else None,
        "command": command or custom_id,
    }


async def report_interaction_error(interaction: discord.Interaction, error: BaseException) -> None:
    """Answer a failed command or button press (the tree's ``on_error``)."""
    payload = payload_for(error, _where(interaction))
    try:
        await reply(interaction, payload)
    except discord.HTTPException as exc:
        log.warning("could not report an error to the user: %s", exc)


async def report_message_error(message: discord.Message, error: BaseException) -> None:
    """Answer a failed interview message in its thread (no ephemeral replies there)."""
    where = {
        "guild_id": message.guild.id if message.guild else None,
        "user_id": message.author.id,
        "command": "interview",
    }
    payload = payload_for(error, where)
    try:
        await message.channel.send(**payload_kwargs(MessagePayload(content=payload.content)))
    except discord.HTTPException as exc:
        log.warning("could not report an error in the thread: %s", exc)
