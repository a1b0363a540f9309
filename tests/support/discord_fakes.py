"""Driving the real Discord bot without a network: the ONE place tests touch
discord.py's private names.

What is real: the bot, its :class:`~discord.app_commands.CommandTree` (option
parsing, transformers, autocomplete, ``on_error``), the dynamic-item dispatch
of buttons, and :class:`discord.Interaction` / :class:`discord.Message` built
from raw gateway payloads (``INTERACTION_CREATE``, ``MESSAGE_CREATE``).
What is fake: everything that would go to Discord's HTTP API (interaction
responses, follow-ups, channel sends and edits, thread creation); it is
recorded in :class:`Outbox` in a snapshot-friendly form.

Private discord.py names used here (checked against discord.py 2.7.1):
``ConnectionState.application_id/.user``, ``_get_or_create_unavailable_guild``, ``_add_guild``,
``Guild._add_role``, ``Interaction._cs_response/_cs_followup``, ``HTTPClient.bulk_upsert_*``,
``CommandTree._call``, ``ViewStore.dispatch_view`` and its task set.
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import re
import struct
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import discord
from discord import app_commands

from devussy_git.app import App
from devussy_git.config import Settings
from devussy_git.faces.discord.bot import DevussyBot

__all__ = [
    "APP_ID",
    "BOT_USER_ID",
    "PNG_MAGIC",
    "DiscordHarness",
    "FakeChannel",
    "FakeMessage",
    "Outbox",
    "normalise",
    "record_syncs",
]

APP_ID = 900000000000000001
BOT_USER_ID = 900000000000000002
_DISCORD_EPOCH_MS = 1_420_070_400_000
_ids = itertools.count(1)

#: Permission bits.
MANAGE_GUILD = 1 << 5
SEND = (1 << 10) | (1 << 11)


def snowflake(age_s: float = 0.0) -> int:
    """A fresh Discord id whose timestamp is ``age_s`` ago (interactions know their age from it)."""
    now_ms = int((time.time() - age_s) * 1000)
    return ((now_ms - _DISCORD_EPOCH_MS) << 22) | (next(_ids) & 0x3FFFFF)


def _user(user_id: int, name: str) -> dict[str, Any]:
    return {"id": str(user_id), "username": name, "global_name": name, "discriminator": "0", "avatar": None}


PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _files(files: Any) -> list[dict[str, Any]]:
    """Text files with their text; a PNG as its pixel size (its bytes vary with the shas it shows)."""
    out = []
    for f in files or ():
        f.fp.seek(0)
        data = f.fp.read()
        f.fp.seek(0)
        if data.startswith(PNG_MAGIC):
            width, height = struct.unpack(">II", data[16:24])  # the IHDR chunk comes first
            out.append({"name": f.filename, "png": f"{width}x{height}"})
            continue
        out.append({"name": f.filename, "size": len(data), "text": data.decode("utf-8", "replace")})
    return out


def _components(view: Any) -> list[dict[str, Any]]:
    return view.to_components() if view not in (None, discord.utils.MISSING) else []


def record(op: str, where: str, kwargs: Mapping[str, Any], ephemeral: bool = False) -> dict[str, Any]:
    """One sent or edited message, as plain data."""
    embeds = kwargs.get("embeds") or ([kwargs["embed"]] if kwargs.get("embed") else [])
    content = kwargs.get("content")
    return {
        "op": op,
        "where": where,
        "ephemeral": ephemeral,
        "content": None if content in (None, discord.utils.MISSING) else content,
        "embeds": [e.to_dict() for e in embeds],
        "files": _files(kwargs.get("files") or kwargs.get("attachments")),
        "components": _components(kwargs.get("view")),
    }


@dataclass
class Outbox:
    """Everything the bot would have sent, in order."""

    events: list[dict[str, Any]] = field(default_factory=list)

    def clear(self) -> None:
        self.events.clear()

    def sent(self) -> list[dict[str, Any]]:
        """Messages sent or edited, the pinned HUD's aside (see :meth:`pinned`)."""
        return [e for e in self.events if e["op"] in ("send", "edit") and not e.get("pinned")]

    def pinned(self) -> list[dict[str, Any]]:
        """Sends and edits of pinned messages (a thread's HUD), in order."""
        return [e for e in self.events if e["op"] in ("send", "edit") and e.get("pinned")]

    def last(self) -> dict[str, Any]:
        return self.sent()[-1]

    def buttons(self, event: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        event = event or self.last()
        return [c for row in event["components"] for c in row.get("components", [])]

    def text(self, event: dict[str, Any] | None = None) -> str:
        """Content, embed texts and file names of one event, for assertions."""
        event = event or self.last()
        parts = [event["content"] or ""]
        for embed in event["embeds"]:
            parts += [embed.get("title", ""), embed.get("description", "")]
            parts += [f"{f['name']}: {f['value']}" for f in embed.get("fields", [])]
            parts.append(embed.get("footer", {}).get("text", ""))
        parts += [f["name"] for f in event["files"]]
        return "\n".join(p for p in parts if p)


class FakeMessage:
    """A message the bot sent; it can be edited and its buttons pressed."""

    def __init__(
        self,
        harness: DiscordHarness,
        channel: FakeChannel,
        kwargs: Mapping[str, Any],
        *,
        ephemeral: bool = False,
        asker: int | None = None,
    ) -> None:
        self.harness = harness
        self.channel = channel
        self.id = snowflake()
        self.ephemeral = ephemeral
        self.asker = asker
        self.content = kwargs.get("content")
        self.pinned = False
        self.deleted = False
        #: The outbox events of this message (its send and edits), marked when it is pinned.
        self.events: list[dict[str, Any]] = []
        self.embeds = list(kwargs.get("embeds") or [])
        self.attachments = [f.filename for f in kwargs.get("files") or ()]
        self.components = _components(kwargs.get("view"))
        self.view = kwargs.get("view")
        view = self.view
        if view not in (None, discord.utils.MISSING) and not view.is_finished():
            # What discord.py does after sending a message with a view.
            harness.bot._connection.store_view(view, self.id)

    async def edit(self, **kwargs: Any) -> FakeMessage:
        event = record("edit", self.channel.name, kwargs, self.ephemeral)
        self.events.append(event)
        if self.pinned:
            event["pinned"] = True
        self.harness.outbox.events.append(event)
        if "view" in kwargs:
            self.components = _components(kwargs.get("view"))
        if "content" in kwargs:
            self.content = kwargs["content"]
        if "embeds" in kwargs:
            self.embeds = list(kwargs["embeds"] or [])
        if "attachments" in kwargs:
            self.attachments = [getattr(f, "filename", None) for f in kwargs["attachments"] or ()]
        return self

    async def pin(self, *, reason: str | None = None) -> None:
        """Discord posts a "pinned a message" system message; the outbox records the pin."""
        if self.channel.forbid_pins:
            raise discord.Forbidden(_FakeHTTPResponse(403), {"code": 50013, "message": "Missing Permissions"})
        self.pinned = True
        for event in self.events:
            event["pinned"] = True
        self.harness.outbox.events.append({"op": "pin", "where": self.channel.name})

    def raw(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": str(self.id),
            "channel_id": str(self.channel.id),
            "author": _user(BOT_USER_ID, "devussy"),
            "content": self.content if isinstance(self.content, str) else "",
            "timestamp": "2026-01-01T00:00:00+00:00",
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": [],
            "embeds": [],
            "pinned": False,
            "type": 0,
            "flags": 64 if self.ephemeral else 0,
            "components": self.components,
        }
        if self.asker is not None:
            data["interaction_metadata"] = {
                "id": str(snowflake()),
                "type": 2,
                "user": _user(self.asker, "asker"),
                "authorizing_integration_owners": {},
            }
        return data


class _FakeHTTPResponse:
    """What discord.HTTPException reads from an aiohttp response."""

    def __init__(self, status: int) -> None:
        self.status = status
        self.reason = "Forbidden"


class _GoneMessage:
    """A partial message whose message was deleted: editing it is a 404, as on Discord."""

    async def edit(self, **kwargs: Any) -> None:
        raise discord.NotFound(_FakeHTTPResponse(404), {"code": 10008, "message": "Unknown Message"})


class FakeChannel:
    """A text channel or thread: records sends, makes threads."""

    def __init__(
        self, harness: DiscordHarness, name: str, *, thread: bool = False, parent: FakeChannel | None = None
    ) -> None:
        self.harness = harness
        self.id = snowflake()
        self.name = name
        self.type = discord.ChannelType.public_thread if thread else discord.ChannelType.text
        self.parent = parent
        self.guild = harness.guild
        self.deleted = False
        #: Set to make ``create_thread`` fail as Discord does without the permission.
        self.forbid_threads = False
        #: Set to make pins fail as Discord does without the Pin Messages permission.
        self.forbid_pins = False
        harness.channels[self.id] = self

    @property
    def mention(self) -> str:
        return f"<#{self.id}>"

    async def send(self, **kwargs: Any) -> FakeMessage:
        event = record("send", self.name, kwargs)
        self.harness.outbox.events.append(event)
        message = FakeMessage(self.harness, self, kwargs)
        message.events.append(event)
        self.harness.messages[message.id] = message
        return message

    async def create_thread(self, *, name: str, **_: Any) -> FakeChannel:
        if self.forbid_threads:
            raise discord.Forbidden(_FakeHTTPResponse(403), {"code": 50013, "message": "Missing Permissions"})
        thread = FakeChannel(self.harness, f"thread:{name}", thread=True, parent=self)
        self.harness.outbox.events.append({"op": "thread", "where": self.name, "name": name})
        self.harness.threads.append(thread)
        return thread

    async def delete(self) -> None:
        self.deleted = True

    def get_partial_message(self, message_id: int) -> FakeMessage:
        message = self.harness.messages.get(message_id)
        if message is None or message.deleted:
            return _GoneMessage()  # type: ignore[return-value]
        return message


class _Response:
    """Stands in for :class:`discord.InteractionResponse`."""

    def __init__(self, harness: DiscordHarness, interaction: Any) -> None:
        self.harness = harness
        self.interaction = interaction
        self._done = False
        self.ephemeral = False

    def is_done(self) -> bool:
        return self._done

    def _ack(self) -> None:
        if self._done:
            raise discord.InteractionResponded(self.interaction)
        self._done = True

    async def defer(self, *, ephemeral: bool = False, thinking: bool = False) -> None:
        self._ack()
        self.ephemeral = ephemeral
        self.harness.outbox.events.append({"op": "defer", "ephemeral": ephemeral, "thinking": thinking})
        self.harness.acked_at.append(asyncio.get_running_loop().time())

    async def send_message(self, content: Any = None, *, ephemeral: bool = False, **kwargs: Any) -> None:
        self._ack()
        self.harness.acked_at.append(asyncio.get_running_loop().time())
        kwargs = {"content": content, **kwargs}
        self.harness.outbox.events.append(record("send", "response", kwargs, ephemeral))
        message = FakeMessage(
            self.harness, self.interaction.channel, kwargs, ephemeral=ephemeral, asker=self.interaction.user.id
        )
        self.harness.messages[message.id] = message

    async def edit_message(self, **kwargs: Any) -> None:
        self._ack()
        self.harness.outbox.events.append(record("edit", "response", kwargs, self.ephemeral))

    async def autocomplete(self, choices: list[app_commands.Choice[Any]]) -> None:
        self._ack()
        self.harness.outbox.events.append(
            {"op": "autocomplete", "choices": [{"name": c.name, "value": c.value} for c in choices]}
        )


class _Followup:
    """Stands in for the interaction's follow-up webhook."""

    def __init__(self, harness: DiscordHarness, interaction: Any) -> None:
        self.harness = harness
        self.interaction = interaction

    async def send(self, *, ephemeral: bool = False, wait: bool = False, **kwargs: Any) -> FakeMessage:
        eph = ephemeral or self.interaction.response.ephemeral
        self.harness.outbox.events.append(record("send", "followup", kwargs, eph))
        channel = self.interaction.channel
        message = FakeMessage(self.harness, channel, kwargs, ephemeral=eph, asker=self.interaction.user.id)
        self.harness.messages[message.id] = message
        return message


class FakeInteraction(discord.Interaction):
    """A real Interaction whose original-response edits are recorded."""

    async def edit_original_response(self, **kwargs: Any) -> Any:
        self._harness.outbox.events.append(record("edit", "original", kwargs, False))  # type: ignore[attr-defined]
        return None

    async def delete_original_response(self) -> None:
        self._harness.outbox.events.append({"op": "delete", "where": "original"})  # type: ignore[attr-defined]


def record_syncs(bot: DevussyBot) -> list[tuple[int | None, list[dict[str, Any]]]]:
    """Replace the command-sync HTTP calls by a recorder: ``(guild id or None, payload)``."""
    calls: list[tuple[int | None, list[dict[str, Any]]]] = []

    async def upsert_global(application_id: int, payload: list[dict[str, Any]]) -> list[Any]:
        calls.append((None, payload))
        return []

    async def upsert_guild(application_id: int, guild_id: int, payload: list[dict[str, Any]]) -> list[Any]:
        calls.append((guild_id, payload))
        return []

    bot.http.bulk_upsert_global_commands = upsert_global  # type: ignore[method-assign,assignment]
    bot.http.bulk_upsert_guild_commands = upsert_guild  # type: ignore[method-assign,assignment]
    bot._connection.application_id = APP_ID
    return calls


@dataclass(frozen=True)
class Member:
    user_id: int
    name: str = "user"
    role_ids: tuple[int, ...] = ()
    manage_guild: bool = False

    def raw(self) -> dict[str, Any]:
        perms = SEND | (MANAGE_GUILD if self.manage_guild else 0)
        return {
            "user": _user(self.user_id, self.name),
            "roles": [str(r) for r in self.role_ids],
            "joined_at": "2026-01-01T00:00:00+00:00",
            "deaf": False,
            "mute": False,
            "flags": 0,
            "permissions": str(perms),
            "nick": None,
        }


class DiscordHarness:
    """One guild with a text channel, the real bot, and an outbox."""

    def __init__(self, app: App, guild_id: int | None = None, settings: Settings | None = None) -> None:
        self.app = app
        self.guild_id = guild_id or snowflake()
        self.bot = DevussyBot(settings or app.settings, app=app, sync_commands=False, progress_interval_s=0)
        state = self.bot._connection
        state.application_id = APP_ID
        state.user = discord.ClientUser(state=state, data=_user(BOT_USER_ID, "devussy") | {"bot": True})
        self.guild = state._get_or_create_unavailable_guild(self.guild_id)
        state._add_guild(self.guild)  # cached, so members' roles resolve
        self.outbox = Outbox()
        self.messages: dict[int, FakeMessage] = {}
        #: Every channel and thread by id: what ``bot.get_channel`` finds.
        self.channels: dict[int, FakeChannel] = {}
        self.bot.get_channel = self.channels.get  # type: ignore[method-assign,assignment]
        self.threads: list[FakeChannel] = []
        self.acked_at: list[float] = []
        self.channel = FakeChannel(self, "general")

    def adopt(self, channel: FakeChannel) -> FakeChannel:
        """The same channel (same id) seen by this harness: a restarted bot's view of a thread."""
        twin = FakeChannel(self, channel.name, thread=channel.type != discord.ChannelType.text)
        del self.channels[twin.id]
        twin.id = channel.id
        self.channels[twin.id] = twin
        self.threads.append(twin)
        return twin

    def add_role(self, role_id: int, name: str = "planners") -> None:
        data = {
            "id": str(role_id),
            "name": name,
            "permissions": "0",
            "position": 1,
            "color": 0,
            "hoist": False,
            "managed": False,
            "mentionable": True,
        }
        self.guild._add_role(discord.Role(guild=self.guild, state=self.bot._connection, data=data))

    # -- building interactions -----------------------------------------------------

    def _interaction(
        self,
        data: dict[str, Any],
        member: Member,
        channel: FakeChannel,
        message: dict[str, Any] | None = None,
        kind: int = 2,
        age_s: float = 0.0,
    ) -> FakeInteraction:
        payload: dict[str, Any] = {
            "id": str(snowflake(age_s)),
            "application_id": str(APP_ID),
            "type": kind,
            "token": "fake-token",
            "version": 1,
            "guild_id": str(self.guild_id),
            "channel_id": str(channel.id),
            "member": member.raw(),
            "data": data,
            "app_permissions": str(SEND),
            "locale": "en-US",
            "guild_locale": "en-US",
            "attachment_size_limit": 10 * 2**20,
            "entitlements": [],
            "authorizing_integration_owners": {},
        }
        if message is not None:
            payload["message"] = message
        interaction = FakeInteraction(data=payload, state=self.bot._connection)
        interaction._harness = self  # type: ignore[attr-defined]
        interaction.channel = channel  # type: ignore[assignment]
        interaction._cs_response = _Response(self, interaction)  # type: ignore[attr-defined]
        interaction._cs_followup = _Followup(self, interaction)  # type: ignore[attr-defined]
        return interaction

    def _options(self, path: list[str], values: Mapping[str, Any], focused: str | None) -> dict[str, Any]:
        command: Any = self.bot.tree.get_command(path[0])
        for name in path[1:]:
            command = command.get_command(name)
        resolved: dict[str, Any] = {}
        options = []
        for param in command.parameters:
            if param.display_name not in values:
                continue
            value = values[param.display_name]
            option: dict[str, Any] = {"name": param.display_name, "type": param.type.value}
            if isinstance(value, discord.Role):
                option["value"] = str(value.id)
                resolved.setdefault("roles", {})[str(value.id)] = {
                    "id": str(value.id),
                    "name": value.name,
                    "permissions": "0",
                    "position": 1,
                    "color": 0,
                    "hoist": False,
                    "managed": False,
                    "mentionable": True,
                }
            else:
                option["value"] = value
            if focused == param.display_name:
                option["focused"] = True
            options.append(option)
        tree: list[dict[str, Any]] = options
        for depth, name in reversed(list(enumerate(path[1:], 1))):
            kind = 1 if depth == len(path) - 1 else 2
            tree = [{"name": name, "type": kind, "options": tree}]
        data = {"id": str(snowflake()), "name": path[0], "type": 1, "options": tree}
        if resolved:
            data["resolved"] = resolved
        return data

    async def command(
        self, path: str, member: Member, *, channel: FakeChannel | None = None, age_s: float = 0.0, **values: Any
    ) -> Outbox:
        """Run ``/path`` (e.g. ``"devussy run"``) with option values through the real tree.

        ``age_s``: how long ago the interaction was created (its token expires at 15 minutes).
        """
        data = self._options(path.split(), values, None)
        interaction = self._interaction(data, member, channel or self.channel, age_s=age_s)
        await self.bot.tree._call(interaction)
        return self.outbox

    async def ack_latency(
        self, path: str, member: Member, *, channel: FakeChannel | None = None, **values: Any
    ) -> float:
        """Seconds from receiving the raw payload to the first acknowledgement (defer/response)."""
        loop = asyncio.get_running_loop()
        data = self._options(path.split(), values, None)
        started = loop.time()
        interaction = self._interaction(data, member, channel or self.channel)
        before = len(self.acked_at)
        await self.bot.tree._call(interaction)
        if len(self.acked_at) == before:
            raise AssertionError(f"/{path} never acknowledged the interaction")
        return self.acked_at[before] - started

    async def autocomplete(
        self, path: str, member: Member, focused: str, *, channel: FakeChannel | None = None, **values: Any
    ) -> list[dict[str, Any]]:
        data = self._options(path.split(), values, focused)
        interaction = self._interaction(data, member, channel or self.channel, kind=4)
        await self.bot.tree._call(interaction)
        return self.outbox.events[-1]["choices"]

    async def press(self, message: FakeMessage, custom_id: str, member: Member) -> Outbox:
        """Press a button of ``message`` (the dynamic-item dispatch of discord.py)."""
        data = {"custom_id": custom_id, "component_type": 2}
        interaction = self._interaction(data, member, message.channel, message=message.raw(), kind=3)
        store = self.bot._connection._view_store
        store.dispatch_view(2, custom_id, interaction)
        tasks = list(store._ViewStore__tasks)  # type: ignore[attr-defined]
        await asyncio.gather(*tasks)
        return self.outbox

    async def say(self, channel: FakeChannel, member: Member, content: str, *, message_type: int = 0) -> Outbox:
        """A ``MESSAGE_CREATE`` from ``member`` in ``channel``, given to the bot
        (``message_type`` 0 is an ordinary message; others are system messages)."""
        data: dict[str, Any] = {
            "id": str(snowflake()),
            "channel_id": str(channel.id),
            "guild_id": str(self.guild_id),
            "author": _user(member.user_id, member.name),
            "member": {k: v for k, v in member.raw().items() if k != "user"},
            "content": content,
            "timestamp": "2026-01-01T00:00:00+00:00",
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": [],
            "embeds": [],
            "pinned": False,
            "type": message_type,
        }
        message = discord.Message(state=self.bot._connection, channel=channel, data=data)
        await self.bot.on_message(message)
        return self.outbox

    def message_with(self, custom_id_prefix: str) -> tuple[FakeMessage, str]:
        """The newest message holding a button whose custom id starts with the prefix."""
        for message in reversed(list(self.messages.values())):
            for row in message.components:
                for comp in row.get("components", []):
                    if comp.get("custom_id", "").startswith(custom_id_prefix):
                        return message, comp["custom_id"]
        raise AssertionError(f"no message has a button {custom_id_prefix}…")


_SHA40 = re.compile(r"\b[0-9a-f]{40}\b")
_SHORT = re.compile(r"(?<![0-9a-f])[0-9a-f]{7,12}(?![0-9a-f])")
_TIMES = re.compile(r"\d+\.\d s\b")
_AGE = re.compile(r"\b\d+[smhd] ago\b")
_IDS = re.compile(r"\b1\d{18}\b")
#: Discord timestamps (``<t:1700000000:R>``): the time, not an id or a sha.
_DISCORD_TIME = re.compile(r"<t:\d+(:[tTdDfFR])?>")


def normalise(value: Any, names: dict[str, str] | None = None) -> Any:
    """Replace shas, run/proposal ids, snowflakes, durations and ages by stable names."""
    names = {} if names is None else names

    def name_of(kind: str, raw: str) -> str:
        key = raw[:7] if kind == "sha" else raw
        if key not in names:
            names[key] = f"<{kind}{sum(1 for v in names.values() if v.startswith('<' + kind))}>"
        return names[key]

    if isinstance(value, str):
        value = _DISCORD_TIME.sub(lambda m: f"<t:<when>{m.group(1) or ''}>", value)
        value = _SHA40.sub(lambda m: name_of("sha", m.group()), value)
        value = _SHORT.sub(lambda m: name_of("sha", m.group()), value)
        value = _IDS.sub(lambda m: name_of("id", m.group()), value)
        value = _TIMES.sub("<t> s", value)
        return _AGE.sub("<age> ago", value)
    if isinstance(value, Mapping):
        return {k: normalise(v, names) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [normalise(v, names) for v in value]
    return value


def digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:12]
