"""The pinned heads-up message of a project thread (pure, snapshot-tested).

Phase x of n with its title, tasks done/total with a text progress bar, the
next task, the newest change (who, when, short sha), blockers and the plain
clone URL (no token: the thread is public to the server). Times are Discord
timestamps (``<t:…:R>``), so "3 hours ago" stays true without an edit.
"""

from __future__ import annotations

import hashlib

from devussy_git.faces.discord.diffblock import fit_text, neutralise
from devussy_git.faces.discord.payload import (
    MAX_FILE_BYTES,
    Colour,
    EmbedField,
    EmbedSpec,
    FileSpec,
    MessagePayload,
)
from devussy_git.services.hud import Hud

__all__ = ["BAR_CELLS", "HUD_CHART", "hud_digest", "progress_bar", "render_hud"]

BAR_CELLS = 20
#: The progress picture's file name on the HUD message.
HUD_CHART = "progress.png"


def progress_bar(done: int, total: int, cells: int = BAR_CELLS) -> str:
    """``▰▰▰▱▱▱ 50%``: whole cells only, so a bar is full only when every task is done."""
    if total <= 0:
        return "▱" * cells + " 0%"
    filled = min(cells, done * cells // total)
    return "▰" * filled + "▱" * (cells - filled) + f" {done * 100 // total}%"


def _clean(text: str, limit: int) -> str:
    return fit_text(neutralise(text), limit)


def _field(name: str, value: str, inline: bool = False) -> EmbedField:
    return EmbedField(name, fit_text(value or "—", 1024), inline)


def render_hud(hud: Hud, chart: bytes | None = None) -> MessagePayload:
    """The HUD; with ``chart`` (PNG bytes) the progress picture is the embed's image."""
    project = hud.project
    fields: list[EmbedField] = []
    if not hud.planned:
        fields.append(_field("Plan", "not planned yet: `/devussy run`"))
    else:
        if hud.active is not None:
            phase = (
                f"{hud.active.number} of {len(hud.phases)} · {_clean(hud.active.title, 200)} "
                f"({hud.active.done}/{hud.active.total} tasks)"
            )
        else:
            phase = f"all {len(hud.phases)} phases done"
        fields.append(_field("Phase", phase))
        fields.append(_field("Tasks", f"`{progress_bar(hud.done, hud.total)}` {hud.done}/{hud.total}"))
        fields.append(_field("Next task", _clean(hud.next_task, 900) if hud.next_task else "none: every task is done"))
        if hud.blockers:
            fields.append(_field("Blockers", "\n".join(f"• {_clean(b, 200)}" for b in hud.blockers[:5])))
    last = hud.last_commit
    if last is not None:
        when = int(last.commit_time.timestamp())
        fields.append(
            _field(
                "Last change",
                f"`{last.sha[:7]}` {_clean(last.subject, 150)}\nby {_clean(last.author.name, 80)} <t:{when}:R>",
            )
        )
    if hud.archived is not None:
        fields.append(_field("Archived", "read-only; `/devussy admin restore` brings it back"))
    fields.append(_field("Clone", f"`git clone {hud.clone_url}` (`/devussy clone` gives you the token)"))
    files: tuple[FileSpec, ...] = ()
    if chart is not None and len(chart) <= MAX_FILE_BYTES:
        files = (FileSpec(HUD_CHART, chart),)
    embed = EmbedSpec(
        title=fit_text(f"{neutralise(project.name)} ({project.project_id})", 256),
        colour=Colour.NEUTRAL if hud.archived is not None else Colour.INFO,
        fields=tuple(fields),
        footer="Kept current after every run, step, apply and revert.",
        image=f"attachment://{HUD_CHART}" if files else "",
    )
    return MessagePayload(embeds=(embed,), files=files)


def hud_digest(head: str | None, payload: MessagePayload) -> str:
    """``<head>:<digest of the payload>`` in 64 characters: what the HUD shows, and at which commit.

    Digest the payload without its picture: the picture follows from the history at ``head``.
    """
    h = hashlib.sha256()
    for embed in payload.embeds:
        h.update(repr((embed.title, embed.description, embed.fields, embed.footer, embed.colour)).encode())
    return f"{head or '0' * 40}:{h.hexdigest()[:23]}"
