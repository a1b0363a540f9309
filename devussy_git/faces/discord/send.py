"""Turning a :class:`~devussy_git.faces.discord.payload.MessagePayload` into
discord.py calls: embeds, files, a view of persistent buttons, and the right
way to answer an interaction (first response or follow-up).

This is the only module that builds discord objects from payloads; it holds
no wording (that is the render module's job) and no use-case logic.
"""

from __future__ import annotations

import io
import logging
import weakref
from datetime import timedelta
from typing import Any

import discord

from devussy_git.faces.discord.payload import ButtonSpec, MessagePayload

__all__ = ["ActionView", "defer", "edit_message", "payload_kwargs", "reply", "send_to", "settle"]

log = logging.getLogger(__name__)

_STYLES = {
    "primary": discord.ButtonStyle.primary,
    "secondary": discord.ButtonStyle.secondary,
    "success": discord.ButtonStyle.success,
    "danger": discord.ButtonStyle.danger,
}


def _button(spec: ButtonSpec) -> discord.ui.Button[Any]:
    return discord.ui.Button(
        label=spec.label, style=_STYLES[spec.style], custom_id=spec.custom_id, disabled=spec.disabled
    )


class ActionView(discord.ui.View):
    """The buttons of one message.

    Presses are served by the :class:`~devussy_git.faces.discord.views.ActionButton`
    dynamic item registered on the client, never by this view, so they work
    after a restart. The view only exists to lay the buttons out and, with a
    timeout, to show them disabled when it passes. Plain buttons on purpose:
    when a view holding dynamic items stops, discord.py unregisters their
    pattern for every message.
    """

    def __init__(self, buttons: tuple[ButtonSpec, ...], timeout: float | None) -> None:
        super().__init__(timeout=timeout)
        self.message: discord.Message | discord.WebhookMessage | None = None
        for spec in buttons:
            self.add_item(_button(spec))

    async def on_timeout(self) -> None:
        if self.message is None:
            return
        for item in self.children:
            if isinstance(item, discord.ui.Button):
                item.disabled = True
        try:
            await self.message.edit(view=self)
        except discord.HTTPException as exc:
            log.info("could not disable timed-out buttons: %s", exc)


def _embed(spec: Any) -> discord.Embed:
    embed = discord.Embed(
        title=spec.title, description=spec.description or None, colour=spec.colour, url=spec.url or None
    )
    for f in spec.fields:
        embed.add_field(name=f.name, value=f.value, inline=f.inline)
    if spec.footer:
        embed.set_footer(text=spec.footer)
    if spec.image:
        embed.set_image(url=spec.image)
    return embed


def payload_kwargs(payload: MessagePayload, *, editing: bool = False) -> dict[str, Any]:
    """Keyword arguments for ``send``/``edit`` (files as ``attachments`` when editing)."""
    payload.check_limits()
    kwargs: dict[str, Any] = {
        "content": payload.content or (None if editing else discord.utils.MISSING),
        "embeds": [_embed(e) for e in payload.embeds],
    }
    files = [discord.File(io.BytesIO(f.data), filename=f.filename) for f in payload.files]
    if editing:
        kwargs["attachments"] = files
    elif files:
        kwargs["files"] = files
    kwargs["view"] = (
        ActionView(payload.buttons, payload.timeout_s)
        if payload.buttons
        else (None if editing else discord.utils.MISSING)
    )
    kwargs["allowed_mentions"] = discord.AllowedMentions(everyone=False, users=False, roles=False)
    return kwargs


#: Views still waiting to disable their buttons, by message id.
_TIMED: weakref.WeakValueDictionary[int, ActionView] = weakref.WeakValueDictionary()


def _remember(kwargs: dict[str, Any], message: Any) -> Any:
    view = kwargs.get("view")
    if isinstance(view, ActionView):
        view.message = message
        if view.timeout is None:
            # Nothing to wait for: the dynamic item serves the presses, so the
            # view need not stay in the client's store (it would grow forever).
            view.stop()
        elif isinstance(getattr(message, "id", None), int):
            _TIMED[message.id] = view
    return message


def settle(message: Any) -> None:
    """``message`` was answered and its buttons replaced: its timer must not bring them back."""
    view = _TIMED.pop(getattr(message, "id", None) or 0, None)
    if view is not None:
        view.stop()


async def defer(interaction: discord.Interaction, *, ephemeral: bool = False) -> None:
    """Acknowledge at once with "thinking…"; the answer follows within 15 minutes."""
    interaction.extras["thinking_public"] = not ephemeral
    await interaction.response.defer(ephemeral=ephemeral, thinking=True)


#: An interaction's token lasts 15 minutes; past this age, answers go to the channel.
TOKEN_LIFE = timedelta(minutes=14)


async def reply(interaction: discord.Interaction, payload: MessagePayload) -> Any:
    """Answer the interaction: the first response, or a follow-up once deferred.

    An ephemeral answer to a public "thinking…" placeholder removes the
    placeholder first: Discord would otherwise turn it into a public message.
    Once the interaction's token is about to expire (a long run), a public
    answer is posted in the channel instead.
    """
    kwargs = payload_kwargs(payload)
    late = discord.utils.utcnow() - interaction.created_at > TOKEN_LIFE
    if late and interaction.channel is not None and hasattr(interaction.channel, "send"):
        if payload.ephemeral:
            log.info("dropped a private answer: the interaction's token has expired")
            return None
        return await send_to(interaction.channel, payload)
    if not interaction.response.is_done():
        await interaction.response.send_message(ephemeral=payload.ephemeral, **kwargs)
        return _remember(kwargs, None)
    if payload.ephemeral and interaction.extras.pop("thinking_public", False):
        try:
            await interaction.delete_original_response()
        except discord.HTTPException as exc:
            log.info("could not remove the thinking placeholder: %s", exc)
    interaction.extras["thinking_public"] = False
    message = await interaction.followup.send(ephemeral=payload.ephemeral, wait=True, **kwargs)
    return _remember(kwargs, message)


async def send_to(channel: Any, payload: MessagePayload) -> Any:
    """Post in a channel or thread (interview questions, thread notices)."""
    kwargs = payload_kwargs(payload)
    # A channel send turns MISSING into the text "...": leave unset fields out instead.
    message = await channel.send(**{k: v for k, v in kwargs.items() if v is not discord.utils.MISSING})
    return _remember(kwargs, message)


async def edit_message(message: Any, payload: MessagePayload, *, channel: Any = None) -> None:
    """Edit a message the bot sent; past the interaction token's life, through the channel."""
    kwargs = payload_kwargs(payload, editing=True)
    try:
        await message.edit(**kwargs)
    except discord.HTTPException as exc:
        if channel is None or not hasattr(channel, "get_partial_message"):
            log.info("could not edit message %s: %s", getattr(message, "id", "?"), exc)
            return
        try:
            await channel.get_partial_message(message.id).edit(**payload_kwargs(payload, editing=True))
        except discord.HTTPException as again:
            log.info("could not edit message %s: %s", message.id, again)
