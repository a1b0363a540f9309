"""Payloads become discord objects; timed-out buttons are shown disabled."""

from __future__ import annotations

from typing import Any

from devussy_git.faces.discord.payload import ButtonSpec, EmbedField, EmbedSpec, FileSpec, MessagePayload
from devussy_git.faces.discord.send import ActionView, payload_kwargs


class RecordingMessage:
    def __init__(self) -> None:
        self.edits: list[dict[str, Any]] = []

    async def edit(self, **kwargs: Any) -> None:
        self.edits.append(kwargs)


def test_payload_becomes_embeds_files_and_persistent_buttons() -> None:
    payload = MessagePayload(
        content="hi",
        embeds=(EmbedSpec("Title", "desc", fields=(EmbedField("a", "b", True),), footer="foot"),),
        files=(FileSpec("x.diff", b"+1\n"),),
        buttons=(ButtonSpec("revert", "shop-api", "abc123def456", "Revert", "danger"),),
    )
    kwargs = payload_kwargs(payload)
    assert kwargs["content"] == "hi"
    assert kwargs["embeds"][0].to_dict()["footer"] == {"text": "foot"}
    assert kwargs["files"][0].filename == "x.diff"
    view = kwargs["view"]
    assert view.timeout is None  # persistent
    assert view.to_components()[0]["components"][0]["custom_id"] == "devussy:revert:shop-api:abc123def456"
    assert kwargs["allowed_mentions"].everyone is False
    pictured = payload_kwargs(
        MessagePayload(
            embeds=(EmbedSpec("Status", image="attachment://progress.png"),), files=(FileSpec("progress.png", b"png"),)
        )
    )
    assert pictured["embeds"][0].to_dict()["image"] == {"url": "attachment://progress.png"}
    assert [f.filename for f in pictured["files"]] == ["progress.png"]
    assert "image" not in kwargs["embeds"][0].to_dict()
    editing = payload_kwargs(MessagePayload(content="x"), editing=True)
    assert editing["view"] is None and editing["attachments"] == []


async def test_timed_out_confirmation_buttons_are_disabled() -> None:
    view = ActionView(
        (ButtonSpec("revert-yes", "p", "abc1234", "Revert", "danger"), ButtonSpec("cancel", "p", "0", "Cancel")),
        timeout=120,
    )
    message = RecordingMessage()
    view.message = message  # type: ignore[assignment]
    await view.on_timeout()
    buttons = message.edits[0]["view"].to_components()[0]["components"]
    assert [b["disabled"] for b in buttons] == [True, True]


def test_log_lines_carry_the_context_ids() -> None:
    import logging

    from devussy_git.faces.discord.logs import ContextFormatter

    record = logging.LogRecord("devussy", logging.INFO, __file__, 1, "run %s failed", ("r1",), None)
    record.guild_id = 42
    record.project_id = "shop-api"
    record.run_id = "r1"
    assert ContextFormatter().format(record).endswith("run r1 failed [guild_id=42 project_id=shop-api run_id=r1]")


class RecordingChannel:
    def __init__(self) -> None:
        self.sends: list[dict[str, Any]] = []

    async def send(self, **kwargs: Any) -> Any:
        self.sends.append(kwargs)
        message = RecordingMessage()
        message.id = 4242  # type: ignore[attr-defined]
        return message


async def test_an_embed_only_message_sent_to_a_channel_has_no_content_field() -> None:
    import discord

    from devussy_git.faces.discord.send import send_to

    channel = RecordingChannel()
    await send_to(channel, MessagePayload(embeds=(EmbedSpec("Run finished", "7 stages"),)))
    (sent,) = channel.sends
    # discord.py turns a MISSING content into the text "...": the field must be absent.
    assert "content" not in sent and "view" not in sent
    assert all(value is not discord.utils.MISSING for value in sent.values())
    assert sent["embeds"][0].title == "Run finished"


async def test_a_settled_confirmation_does_not_get_its_buttons_back_when_its_timer_ends() -> None:
    from devussy_git.faces.discord.send import send_to, settle

    channel = RecordingChannel()
    payload = MessagePayload(
        content="Revert abc1234?",
        buttons=(
            ButtonSpec("revert-yes", "p", "abc1234", "Revert", "danger"),
            ButtonSpec("cancel", "p", "0", "Keep it"),
        ),
        timeout_s=120,
    )
    message = await send_to(channel, payload)
    view = channel.sends[0]["view"]
    assert not view.is_finished()  # its timer runs: unanswered, the buttons go grey at 2 minutes
    settle(message)  # "Keep it" was pressed: the message now says "Cancelled; nothing changed."
    # A stopped view leaves discord.py's store and its timeout never fires.
    assert view.is_finished()
    settle(message)  # settling twice (two presses) is harmless
