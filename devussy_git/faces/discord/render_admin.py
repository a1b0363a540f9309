"""Rendering of the project lifecycle: archive, restore and delete (``/devussy admin``).

Pure, like :mod:`.render`: values in, payloads out, snapshot-tested.
"""

from __future__ import annotations

from typing import Any

from devussy_git.faces.discord.payload import ButtonSpec, MessagePayload
from devussy_git.faces.discord.render_git import CONFIRM_TIMEOUT_S

__all__ = [
    "render_archive_confirm",
    "render_archived",
    "render_delete_confirm",
    "render_deleted",
    "render_restored",
]


def render_archive_confirm(project: str) -> MessagePayload:
    """Ask the admin who asked to confirm archiving ``project``."""
    return MessagePayload(
        content=(
            f"Archive **{project}**? It becomes read-only (no run, step, apply or revert) and leaves "
            f"`/devussy projects`; its history still reads and clones. `/devussy admin restore` undoes it."
        ),
        buttons=(
            ButtonSpec("archive-yes", project, "0", f"Archive {project}"[:80], "danger"),
            ButtonSpec("cancel", project, "0", "Keep it", "secondary"),
        ),
        ephemeral=True,
        timeout_s=CONFIRM_TIMEOUT_S,
    )


def render_archived(project: str, by: str) -> MessagePayload:
    who = f"<@{by.removeprefix('discord:')}>" if by.startswith("discord:") else f"`{by}`"
    return MessagePayload(
        content=f"**{project}** is archived (read-only) by {who}. `/devussy admin restore` brings it back."
    )


def render_delete_confirm(project: str, trash_days: float) -> MessagePayload:
    """Ask the admin who asked to confirm deleting ``project``, by its name."""
    return MessagePayload(
        content=(
            f"Delete **{project}** for good? Its repository, runs and thread binding go. A git bundle of "
            f"its history is kept for {trash_days:g} days; until then `/devussy admin restore "
            f"project:{project}` brings it back."
        ),
        buttons=(
            ButtonSpec("delete-yes", project, "0", f"Delete {project}"[:80], "danger"),
            ButtonSpec("cancel", project, "0", "Keep it", "secondary"),
        ),
        ephemeral=True,
        timeout_s=CONFIRM_TIMEOUT_S,
    )


def render_deleted(project: str, trash_days: float) -> MessagePayload:
    return MessagePayload(
        content=(
            f"Deleted **{project}**. Its history is kept as a bundle for {trash_days:g} days "
            f"(`/devussy admin restore project:{project}`)."
        )
    )


def render_restored(restored: Any) -> MessagePayload:
    if restored.how == "undeleted":
        text = f"**{restored.project_id}** is back from the trash, with its whole history."
    else:
        text = f"**{restored.project_id}** accepts changes again and is listed in `/devussy projects`."
    return MessagePayload(content=text)
