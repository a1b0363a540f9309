"""Rendering of plan history for Discord: handoff-next steps, proposals,
diffs, reverts, the log and file contents.

Pure: service results in, :class:`~devussy_git.faces.discord.payload.MessagePayload`
out. Never sends, never imports discord, never reads the clock (callers pass
``now``). Every payload it returns fits Discord's limits.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from devussy_git.faces.discord.diffblock import (
    EMBED_DESCRIPTION_LIMIT,
    discord_len,
    fence,
    fit_text,
    neutralise,
    render_diff_block,
)
from devussy_git.faces.discord.payload import (
    MAX_FILE_BYTES,
    ButtonSpec,
    Colour,
    EmbedField,
    EmbedSpec,
    FileSpec,
    MessagePayload,
)
from devussy_git.services import TRAILER_TASK, CommitInfo, Diff

if TYPE_CHECKING:
    from devussy_git.services import RevertResult, StepResult

__all__ = [
    "LOG_PAGE_SIZE",
    "REF_LEN",
    "diff_file",
    "render_cancelled",
    "render_diff",
    "render_discard_confirm",
    "render_discarded",
    "render_full_diff",
    "render_log",
    "render_proposals",
    "render_revert_confirm",
    "render_reverted",
    "render_show",
    "render_step",
]

#: Commits per log page.
LOG_PAGE_SIZE = 10
#: Length of the sha prefix in custom ids (unique in any plan repo of sane size).
REF_LEN = 12
#: How long a confirmation's buttons answer; after that (restarts included) they refuse.
CONFIRM_TIMEOUT_S = 120
#: Characters Discord allows over all the embeds of one message.
EMBED_TOTAL_LIMIT = 6000
#: Attachments larger than this are cut (Discord's default upload limit is ~10 MB).
MAX_ATTACHMENT = MAX_FILE_BYTES
_CUT_NOTE = b"\n[cut: patch too large]\n"


def diff_file(project: str, diff: Diff, label: str | None = None) -> FileSpec:
    """The whole patch as a ``.diff`` attachment."""
    name = f"{project}-{label or diff.head[:REF_LEN]}.diff"
    data = diff.patch.encode("utf-8")
    if len(data) > MAX_ATTACHMENT:
        data = data[: MAX_ATTACHMENT - len(_CUT_NOTE)].decode("utf-8", "ignore").encode() + _CUT_NOTE
    return FileSpec(name, data)


def _stat(diff: Diff) -> str:
    files = len(diff.files)
    return f"{files} file{'s' if files != 1 else ''} changed, +{diff.added} −{diff.removed}"


def _field(name: str, value: str, inline: bool = False) -> EmbedField:
    return EmbedField(fit_text(name, 256), fit_text(value or "—", 1024), inline)


def _diff_embed(
    title: str, diff: Diff, attachment: str, *, colour: int, fields: Sequence[EmbedField] = (), footer: str = ""
) -> EmbedSpec:
    title = fit_text(title, 256)
    footer = fit_text(footer, 2048)
    others = discord_len(title) + discord_len(footer) + sum(discord_len(f.name) + discord_len(f.value) for f in fields)
    # Discord counts 6,000 characters per message over every embed part.
    limit = min(EMBED_DESCRIPTION_LIMIT, EMBED_TOTAL_LIMIT - others)
    block = render_diff_block(diff.patch, limit=limit, attachment=attachment)
    return EmbedSpec(title=title, description=block.text, colour=colour, fields=tuple(fields), footer=footer)


def _task_text(task: object | None) -> str:
    if task is None:
        return "none: every task is done"
    return f"{getattr(task, 'id', '?')}: {neutralise(str(getattr(task, 'title', '')))}"


def render_step(project: str, result: StepResult, *, applied: bool = False) -> MessagePayload:
    """A handoff-next step (committed, or a preview waiting for Apply/Discard).

    ``applied``: a proposal just landed on main (shown as a committed step).
    """
    preview = result.proposal_id is not None and not applied
    sha = result.commit.sha
    attachment = diff_file(project, result.diff, f"step{result.step}-{sha[:REF_LEN]}")
    blocked = result.status == "blocked"
    kind = "Preview of step" if preview else "Applied step" if applied else "Step"
    title = f"{kind} {result.step} · {result.task.id}: {neutralise(result.summary)}"
    fields = [
        _field("Task", _task_text(result.task)),
        _field("Status", "blocked: see BLOCKERS in handoff.md" if blocked else "done", inline=True),
        _field("Changes", _stat(result.diff), inline=True),
        _field("Next task", _task_text(result.next_task)),
    ]
    footer = (
        f"{project} · proposal {result.proposal_id} (not on main until applied)"
        if preview
        else f"{project} · commit {sha[:REF_LEN]}"
    )
    embed = _diff_embed(
        title,
        result.diff,
        attachment.filename,
        colour=Colour.WARNING if preview or blocked else Colour.SUCCESS,
        fields=fields,
        footer=footer,
    )
    if preview:
        ref = str(result.proposal_id)
        buttons = (
            ButtonSpec("apply", project, ref, "Apply", "success"),
            ButtonSpec("discard", project, ref, "Discard", "danger"),
        )
    else:
        buttons = (
            ButtonSpec("revert", project, sha[:REF_LEN], "Revert", "danger"),
            ButtonSpec("fulldiff", project, sha[:REF_LEN], "Full diff", "secondary"),
        )
    return MessagePayload(embeds=(embed,), files=(attachment,), buttons=buttons)


def render_diff(project: str, diff: Diff, *, title: str | None = None) -> MessagePayload:
    """``/devussy diff``: the diff in a block, the whole patch attached."""
    attachment = diff_file(project, diff)
    base = diff.base[:REF_LEN] if diff.base else "empty tree"
    embed = _diff_embed(
        title or f"{project}: {base}..{diff.head[:REF_LEN]}",
        diff,
        attachment.filename,
        colour=Colour.INFO,
        fields=[_field("Changes", _stat(diff))],
    )
    files = (attachment,) if diff.patch else ()
    return MessagePayload(embeds=(embed,), files=files)


def render_full_diff(project: str, diff: Diff) -> MessagePayload:
    """The Full diff button: the patch as an attachment, only for the one who asked."""
    attachment = diff_file(project, diff)
    return MessagePayload(
        content=fit_text(f"Whole diff of `{diff.head[:REF_LEN]}` ({_stat(diff)}).", 2000),
        files=(attachment,),
        ephemeral=True,
    )


def render_revert_confirm(project: str, target: CommitInfo, diff: Diff) -> MessagePayload:
    """Ask the same person to confirm a revert, showing what it undoes."""
    attachment = diff_file(project, diff)
    embed = _diff_embed(
        f"Revert {target.short_sha}: {neutralise(target.subject)}?",
        diff,
        attachment.filename,
        colour=Colour.DANGER,
        fields=[_field("Undoes", _stat(diff)), _field("Author", neutralise(target.author.name), inline=True)],
        footer="A revert is a new commit; history is kept. The buttons stop working after 2 minutes.",
    )
    return MessagePayload(
        embeds=(embed,),
        files=(attachment,),
        buttons=(
            ButtonSpec("revert-yes", project, target.sha[:REF_LEN], "Revert", "danger"),
            ButtonSpec("cancel", project, "0", "Cancel", "secondary"),
        ),
        ephemeral=True,
        timeout_s=CONFIRM_TIMEOUT_S,
    )


def render_reverted(project: str, result: RevertResult) -> MessagePayload:
    """A revert commit, rendered like a step (it can be reverted in turn)."""
    sha = result.commit.sha
    attachment = diff_file(project, result.diff)
    reverted = ", ".join(s[:REF_LEN] for s in result.reverted)
    embed = _diff_embed(
        neutralise(result.commit.subject),
        result.diff,
        attachment.filename,
        colour=Colour.NEUTRAL,
        fields=[_field("Reverted", reverted), _field("Changes", _stat(result.diff), inline=True)],
        footer=f"{project} · commit {sha[:REF_LEN]}",
    )
    return MessagePayload(
        embeds=(embed,),
        files=(attachment,),
        buttons=(
            ButtonSpec("revert", project, sha[:REF_LEN], "Revert this revert", "danger"),
            ButtonSpec("fulldiff", project, sha[:REF_LEN], "Full diff", "secondary"),
        ),
    )


def render_discard_confirm(project: str, proposal_id: str) -> MessagePayload:
    """Ask the same person to confirm throwing a proposal away."""
    return MessagePayload(
        content=f"Discard proposal `{proposal_id}` of **{project}**? It cannot be applied afterwards.",
        buttons=(
            ButtonSpec("discard-yes", project, proposal_id, "Discard", "danger"),
            ButtonSpec("cancel", project, "0", "Keep it", "secondary"),
        ),
        ephemeral=True,
        timeout_s=CONFIRM_TIMEOUT_S,
    )


def render_restart_confirm(project: str, why: str) -> MessagePayload:
    """Ask the same person to confirm a run that starts a plan with progress over."""
    return MessagePayload(
        content=f"{why}\nStart **{project}** over with a new run?",
        buttons=(
            ButtonSpec("restart-yes", project, "0", "Start over", "danger"),
            ButtonSpec("cancel", project, "0", "Keep the plan", "secondary"),
        ),
        ephemeral=True,
        timeout_s=CONFIRM_TIMEOUT_S,
    )


def render_cancelled() -> MessagePayload:
    return MessagePayload(content="Cancelled; nothing changed.")


def render_discarded(project: str, proposal_id: str) -> MessagePayload:
    return MessagePayload(content=f"Discarded proposal `{proposal_id}` of **{project}**; main is unchanged.")


#: Proposals listed with their buttons (two each; Discord allows 25 buttons).
PROPOSALS_SHOWN = 10


def render_proposals(project: str, proposals: Sequence[Any], *, now: datetime) -> MessagePayload:
    """``/devussy proposals``: the parked steps, newest first, each with Apply and Discard."""
    if not proposals:
        return MessagePayload(
            content=f"No proposals in **{project}**. Make one with `/devussy handoff-next preview:True`."
        )
    newest = sorted(proposals, key=lambda p: p.created_at, reverse=True)
    shown = newest[:PROPOSALS_SHOWN]
    lines = []
    for p in shown:
        summary = fit_text(neutralise(p.summary).replace("`", "'"), 90)
        author = fit_text(neutralise(p.author.name).replace("`", "'"), 40)
        lines.append(f"`{p.id}` task {p.task}: {summary} — {author}, {_age(p.created_at, now)} ago, on `{p.base[:7]}`")
    more = len(newest) - len(shown)
    footer = f"{more} older not shown" if more else "Apply lands a proposal on main; Discard drops it"
    embed = EmbedSpec(
        title=f"{project}: {len(newest)} proposal{'s' if len(newest) != 1 else ''}",
        description=fit_text("\n".join(lines), EMBED_DESCRIPTION_LIMIT),
        colour=Colour.WARNING,
        footer=footer,
    )
    buttons: list[ButtonSpec] = []
    for p in shown:
        buttons.append(ButtonSpec("apply", project, p.id, f"Apply {p.id[:8]}", "success"))
        buttons.append(ButtonSpec("discard", project, p.id, f"Discard {p.id[:8]}", "danger"))
    return MessagePayload(embeds=(embed,), buttons=tuple(buttons))


def _age(then: datetime, now: datetime) -> str:
    seconds = max(0, int((now - then).total_seconds()))
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def render_log(
    project: str, commits: Sequence[CommitInfo], *, page: int, has_more: bool, now: datetime
) -> MessagePayload:
    """One page of history: short sha, subject, author, age, task."""
    lines = []
    for info in commits:
        task = info.trailers.get(TRAILER_TASK)
        suffix = f" · task {task}" if task else ""
        subject = fit_text(neutralise(info.subject).replace("`", "'"), 90)
        author = fit_text(neutralise(info.author.name).replace("`", "'"), 40)
        lines.append(f"`{info.short_sha}` {subject} — {author}, {_age(info.commit_time, now)} ago{suffix}")
    description = "\n".join(lines) if lines else "*No commits on this page.*"
    embed = EmbedSpec(
        title=f"{project}: history, page {page + 1}",
        description=fit_text(description, EMBED_DESCRIPTION_LIMIT),
        colour=Colour.INFO,
        footer=f"{LOG_PAGE_SIZE} commits per page, newest first",
    )
    buttons = []
    if page > 0:
        buttons.append(ButtonSpec("log", project, str(page - 1), "Newer", "secondary"))
    if has_more:
        buttons.append(ButtonSpec("log", project, str(page + 1), "Older", "secondary"))
    return MessagePayload(embeds=(embed,), buttons=tuple(buttons))


def render_show(project: str, path: str, rev: str, text: str) -> MessagePayload:
    """A plan file: in a code block when it fits, else attached."""
    language = "md" if path.endswith(".md") else "json" if path.endswith(".json") else ""
    where = fit_text(neutralise(path).replace("`", ""), 200)
    header = f"**{project}** `{where}` at `{fit_text(neutralise(rev).replace('`', ''), 60)}`"
    body = fence(text, language)
    if discord_len(header) + 1 + discord_len(body) <= 2000:
        return MessagePayload(content=f"{header}\n{body}")
    name = path.rsplit("/", 1)[-1]
    preview_budget = 2000 - discord_len(header) - 80
    lines: list[str] = []
    used = 0
    for line in text.splitlines():
        size = discord_len(neutralise(line)) + 1
        if used + size > preview_budget:
            break
        lines.append(line)
        used += size
    preview = fence("\n".join(lines), language)
    note = f"\n… the whole file ({len(text.splitlines())} lines) is attached."
    return MessagePayload(
        content=fit_text(f"{header}\n{preview}{note}", 2000),
        files=(FileSpec(name, text.encode("utf-8")),),
    )
