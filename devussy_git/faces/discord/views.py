"""Persistent buttons: one dynamic item for every ``devussy:<action>:<project>:<ref>``.

Registered with ``client.add_dynamic_items(ActionButton)``, so a button keeps
working after a restart: everything it needs is in its custom id or in the
database. ``interaction_check`` refuses (ephemerally) a press from someone
other than the person who asked, for the actions that belong to them. Each
action acknowledges first, then hands over to a flow; errors go through the
face's one error mapper.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any, cast

import discord

from devussy_git import services
from devussy_git.errors import InvalidInputError
from devussy_git.faces.discord import flows, render, render_admin
from devussy_git.faces.discord.context import Ctx
from devussy_git.faces.discord.errors import report_interaction_error
from devussy_git.faces.discord.hud import refresh_hud, retire_hud
from devussy_git.faces.discord.payload import CUSTOM_ID_PATTERN, parse_custom_id
from devussy_git.faces.discord.render_git import CONFIRM_TIMEOUT_S
from devussy_git.faces.discord.send import defer, payload_kwargs, reply, settle

__all__ = ["OWNER_ACTIONS", "ActionButton", "asker_of"]

log = logging.getLogger(__name__)

#: Actions only the person who asked for the message may take.
OWNER_ACTIONS = frozenset(
    {"apply", "discard", "discard-yes", "revert-yes", "restart-yes", "archive-yes", "delete-yes", "cancel"}
)
#: The "yes" of a confirmation: refused once the confirmation is older than its timeout.
CONFIRM_ACTIONS = frozenset({"discard-yes", "revert-yes", "restart-yes", "archive-yes", "delete-yes"})


def confirmation_expired(interaction: discord.Interaction) -> bool:
    """Whether the pressed confirmation is older than its timeout.

    Read from the message's own id (a snowflake carries its creation time), so
    it holds after a restart, when no timer of the old process is left.
    """
    message = interaction.message
    if message is None:
        return False
    age = (interaction.created_at - message.created_at).total_seconds()
    return age > CONFIRM_TIMEOUT_S


def asker_of(message: discord.Message | None) -> int | None:
    """The user whose command or button produced ``message`` (``None`` if unknown)."""
    meta = getattr(message, "interaction_metadata", None) if message is not None else None
    return meta.user.id if meta is not None else None


Handler = Callable[[Ctx, discord.Interaction, str, str], Awaitable[None]]


async def _answer(ctx: Ctx, interaction: discord.Interaction, project: str, ref: str) -> None:
    qid, _, number = ref.rpartition(".")
    try:
        question = services.question_by_id(qid)
    except KeyError:
        raise InvalidInputError("That button belongs to an old interview.") from None
    index = int(number) if number.isdigit() else -1
    if index == 0:
        text = "skip"
    elif question.kind == "yesno":
        text = "yes" if index == 1 else "no"
    else:
        text = str(index)
    await interaction.response.defer()
    async with ctx.bot.thread_lock(interaction.channel_id or 0):
        step = await services.answer_interview(
            ctx.app, interaction.channel_id or 0, ctx.caller.user_id, text, actor=ctx.actor, question_id=qid
        )
    if step is None:
        session = await services.current_interview(ctx.app, interaction.channel_id or 0)
        who = f"<@{session.session.user_id}>" if session else "the person who started it"
        await reply(interaction, render.render_refusal(f"Only {who} answers this interview."))
        return
    await reply(interaction, render.render_interview(step))


async def _run(ctx: Ctx, interaction: discord.Interaction, project: str, ref: str) -> None:
    await defer(interaction)
    await flows.start_run(ctx, interaction, project)


async def _resume(ctx: Ctx, interaction: discord.Interaction, project: str, ref: str) -> None:
    await defer(interaction)
    await flows.start_run(ctx, interaction, project, resume=True)


async def _restart_yes(ctx: Ctx, interaction: discord.Interaction, project: str, ref: str) -> None:
    await defer(interaction)
    await flows.start_run(ctx, interaction, project, restart=True)


async def _revert(ctx: Ctx, interaction: discord.Interaction, project: str, ref: str) -> None:
    await defer(interaction, ephemeral=True)
    await flows.confirm_revert(ctx, interaction, project, rev=ref, step_number=None)


async def _revert_yes(ctx: Ctx, interaction: discord.Interaction, project: str, ref: str) -> None:
    await defer(interaction)
    await flows.revert(ctx, interaction, project, ref)


async def _full_diff(ctx: Ctx, interaction: discord.Interaction, project: str, ref: str) -> None:
    await defer(interaction, ephemeral=True)
    await flows.full_diff(ctx, interaction, project, ref)


async def _apply(ctx: Ctx, interaction: discord.Interaction, project: str, ref: str) -> None:
    await defer(interaction)
    await flows.apply_proposal(ctx, interaction, project, ref)


async def _discard(ctx: Ctx, interaction: discord.Interaction, project: str, ref: str) -> None:
    await defer(interaction, ephemeral=True)
    await ctx.require_operator()
    await reply(interaction, render.render_discard_confirm(project, ref))


async def _discard_yes(ctx: Ctx, interaction: discord.Interaction, project: str, ref: str) -> None:
    await defer(interaction)
    await flows.discard_proposal(ctx, interaction, project, ref)


async def _archive_yes(ctx: Ctx, interaction: discord.Interaction, project: str, ref: str) -> None:
    await defer(interaction)
    await ctx.require_admin()  # the role may have changed since the confirmation was shown
    mark = await services.archive_project(ctx.app, project, actor=ctx.actor, guild_id=ctx.guild_id)
    await reply(interaction, render_admin.render_archived(project, mark.by))
    await refresh_hud(ctx.bot, project)


async def _delete_yes(ctx: Ctx, interaction: discord.Interaction, project: str, ref: str) -> None:
    await defer(interaction)
    await ctx.require_admin()
    hud = await services.hud_record(ctx.app, project)
    await services.delete_project(ctx.app, project, actor=ctx.actor, guild_id=ctx.guild_id)
    payload = render_admin.render_deleted(project, ctx.app.settings.trash_days)
    await reply(interaction, payload)
    await retire_hud(ctx.bot, hud, payload)


async def _cancel(ctx: Ctx, interaction: discord.Interaction, project: str, ref: str) -> None:
    kwargs = payload_kwargs(render.render_cancelled(), editing=True)
    settle(interaction.message)
    await interaction.response.edit_message(**kwargs)


async def _log(ctx: Ctx, interaction: discord.Interaction, project: str, ref: str) -> None:
    page = int(ref) if ref.isdigit() else 0
    await interaction.response.defer()
    payload = await flows.log_page(ctx, project, page)
    await interaction.edit_original_response(**payload_kwargs(payload, editing=True))


HANDLERS: dict[str, Handler] = {
    "answer": _answer,
    "run": _run,
    "resume": _resume,
    "restart-yes": _restart_yes,
    "revert": _revert,
    "revert-yes": _revert_yes,
    "fulldiff": _full_diff,
    "apply": _apply,
    "discard": _discard,
    "discard-yes": _discard_yes,
    "archive-yes": _archive_yes,
    "delete-yes": _delete_yes,
    "cancel": _cancel,
    "log": _log,
}


class ActionButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=CUSTOM_ID_PATTERN):
    """Any of our buttons; the action in the custom id picks the handler."""

    def __init__(
        self,
        action: str,
        project: str,
        ref: str,
        *,
        label: str | None = None,
        style: discord.ButtonStyle = discord.ButtonStyle.secondary,
        disabled: bool = False,
    ) -> None:
        super().__init__(
            discord.ui.Button(
                label=label or action,
                style=style,
                custom_id=f"devussy:{action}:{project}:{ref}",
                disabled=disabled,
            )
        )
        self.action = action
        self.project = project
        self.ref = ref

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: Any
    ) -> ActionButton:
        button = cast(discord.ui.Button[Any], item)  # the item this class wraps is a button
        parsed = parse_custom_id(match.group(0))
        # A custom id this version cannot read (an older or newer bot's) keeps an
        # unknown action, which interaction_check refuses; it never acts as another.
        action, project, ref = parsed if parsed else ("unknown", match["project"], "0")
        return cls(action, project, ref, label=button.label, style=button.style, disabled=button.disabled)

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        try:
            if self.action not in HANDLERS:
                await reply(interaction, render.render_refusal("That button is from an older version of the bot."))
                return False
            if self.action in CONFIRM_ACTIONS and confirmation_expired(interaction):
                await reply(
                    interaction,
                    render.render_refusal(
                        "This confirmation expired (they last 2 minutes); nothing changed. Ask again."
                    ),
                )
                return False
            asker = asker_of(interaction.message)
            if self.action in OWNER_ACTIONS and asker is None:
                # Without a record of who asked, fail closed.
                await reply(
                    interaction,
                    render.render_refusal("These buttons answer only the person who asked; run the command again."),
                )
                return False
            if self.action in OWNER_ACTIONS and asker != interaction.user.id:
                await reply(interaction, render.render_refusal(f"Only <@{asker}> can use these buttons."))
                return False
        except discord.HTTPException as exc:
            log.warning("could not refuse a button press: %s", exc)
            return False
        return True

    async def callback(self, interaction: discord.Interaction) -> None:
        try:
            await HANDLERS[self.action](Ctx.of(interaction), interaction, self.project, self.ref)
        except Exception as exc:  # noqa: BLE001 - the button's error boundary: same mapper as tree.on_error
            await report_interaction_error(interaction, exc)
