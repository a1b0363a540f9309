"""What the bot would send, as plain frozen values (no discord objects).

The render module builds these from service results; the send module turns
them into discord.py calls. Keeping them plain makes every reply
snapshot-testable and keeps the limits checkable in one place. This module
must never import discord or do I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from devussy_git.faces.discord.diffblock import discord_len

__all__ = [
    "ACTIONS",
    "CUSTOM_ID_PATTERN",
    "MAX_FILE_BYTES",
    "MAX_REQUEST_BYTES",
    "ButtonSpec",
    "Colour",
    "EmbedField",
    "EmbedSpec",
    "FileSpec",
    "MessagePayload",
    "parse_custom_id",
]

#: Largest attachment sent: the smallest per-file upload limit Discord has documented
#: for a server without boosts (8 MiB; it is 10 MiB at the time of writing).
MAX_FILE_BYTES = 8 * 2**20
#: Largest sum of the attachments of one message (Discord's request size limit, 25 MiB).
MAX_REQUEST_BYTES = 25 * 2**20
_ATTACHMENT_URL = "attachment://"

#: Every button action the bot understands (the ``<action>`` of a custom id).
ACTIONS: tuple[str, ...] = (
    "answer",  # interview choice: ref = <question_id>.<choice number> (0 = skip)
    "run",  # start a run of the project (ref unused: 0)
    "resume",  # resume the failed run: ref = run id
    "restart-yes",  # confirmed new run of a plan with progress (ref unused: 0)
    "revert",  # ask to revert a commit: ref = sha
    "revert-yes",  # confirmed revert: ref = sha
    "fulldiff",  # send the whole diff of a commit: ref = sha
    "apply",  # apply a proposal: ref = proposal id
    "discard",  # ask to discard a proposal: ref = proposal id
    "discard-yes",  # confirmed discard: ref = proposal id
    "archive-yes",  # confirmed archive of the project (ref unused: 0)
    "delete-yes",  # confirmed delete of the project (ref unused: 0)
    "cancel",  # dismiss a confirmation (ref unused: 0)
    "log",  # log page: ref = page number
)

#: ``devussy:<action>:<project>:<sha or id>`` (Discord allows 100 characters).
CUSTOM_ID_PATTERN = (
    r"devussy:(?P<action>[a-z]+(?:-[a-z]+)?):(?P<project>[a-z0-9][a-z0-9-]{0,62}):"
    r"(?P<ref>[A-Za-z0-9_.-]{1,24})"
)
_CUSTOM_ID = re.compile(CUSTOM_ID_PATTERN)


class Colour:
    """Embed colours (RGB ints), one per kind of news."""

    INFO = 0x5865F2
    SUCCESS = 0x57F287
    WARNING = 0xFEE75C
    DANGER = 0xED4245
    NEUTRAL = 0x99AAB5


@dataclass(frozen=True)
class ButtonSpec:
    """A button with a stable custom id, so it keeps working after a restart."""

    action: str
    project: str
    ref: str
    label: str
    #: ``primary`` | ``secondary`` | ``success`` | ``danger``.
    style: str = "secondary"
    disabled: bool = False

    def __post_init__(self) -> None:
        if self.action not in ACTIONS:
            raise ValueError(f"unknown button action {self.action!r}")
        if _CUSTOM_ID.fullmatch(self.custom_id) is None or len(self.custom_id) > 100:
            raise ValueError(f"bad custom id {self.custom_id!r}")

    @property
    def custom_id(self) -> str:
        return f"devussy:{self.action}:{self.project}:{self.ref}"


def parse_custom_id(custom_id: str) -> tuple[str, str, str] | None:
    """``(action, project, ref)`` of one of our custom ids, else ``None``."""
    match = _CUSTOM_ID.fullmatch(custom_id)
    if match is None or match["action"] not in ACTIONS:
        return None
    return match["action"], match["project"], match["ref"]


@dataclass(frozen=True)
class EmbedField:
    name: str
    value: str
    inline: bool = False


@dataclass(frozen=True)
class EmbedSpec:
    title: str
    description: str = ""
    colour: int = Colour.INFO
    fields: tuple[EmbedField, ...] = ()
    footer: str = ""
    url: str = ""
    #: The embed's picture: ``attachment://<filename>`` shows a file of the same message.
    image: str = ""

    def size(self) -> int:
        """Characters Discord counts toward the 6,000 per message."""
        parts = [self.title, self.description, self.footer]
        parts += [f.name for f in self.fields] + [f.value for f in self.fields]
        return sum(discord_len(p) for p in parts)


@dataclass(frozen=True)
class FileSpec:
    filename: str
    data: bytes


@dataclass(frozen=True)
class MessagePayload:
    """One message: content, embeds, attachments and buttons."""

    content: str = ""
    embeds: tuple[EmbedSpec, ...] = ()
    files: tuple[FileSpec, ...] = ()
    buttons: tuple[ButtonSpec, ...] = ()
    ephemeral: bool = False
    #: Seconds after which the buttons are shown disabled; ``None`` = never.
    timeout_s: float | None = None

    def check_limits(self) -> None:
        """Raise ``ValueError`` when Discord would refuse this message."""
        if discord_len(self.content) > 2000:
            raise ValueError("content over 2,000 characters")
        if len(self.embeds) > 10 or len(self.buttons) > 25 or len(self.files) > 10:
            raise ValueError("too many embeds, buttons or files")
        for embed in self.embeds:
            if discord_len(embed.title) > 256 or discord_len(embed.description) > 4096:
                raise ValueError("embed title or description too long")
            if len(embed.fields) > 25 or any(
                discord_len(f.name) > 256 or discord_len(f.value) > 1024 for f in embed.fields
            ):
                raise ValueError("embed field too long")
            if discord_len(embed.footer) > 2048:
                raise ValueError("embed footer too long")
        if sum(e.size() for e in self.embeds) > 6000:
            raise ValueError("embeds over 6,000 characters in all")
        if any(discord_len(b.label) > 80 for b in self.buttons):
            raise ValueError("button label over 80 characters")
        if any(len(f.data) > MAX_FILE_BYTES for f in self.files):
            raise ValueError("attachment over 8 MiB")
        if sum(len(f.data) for f in self.files) > MAX_REQUEST_BYTES:
            raise ValueError("attachments over 25 MiB in all")
        names = {f.filename for f in self.files}
        for embed in self.embeds:
            if embed.image.startswith(_ATTACHMENT_URL) and embed.image[len(_ATTACHMENT_URL) :] not in names:
                raise ValueError(f"embed image {embed.image} is not attached")
