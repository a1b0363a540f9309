"""Rendering of service results into Discord messages: interview, runs,
status, projects, clone, admin settings and errors. Plan history (steps,
diffs, reverts, log, show) is in :mod:`.render_git`, re-exported here.

Pure: values in, :class:`~devussy_git.faces.discord.payload.MessagePayload`
out. It never sends, never imports discord and never reads the clock or the
environment, so every reply is snapshot-tested. No secret (API key, runner
token) ever reaches a payload; clone URLs with a token are only rendered into
ephemeral replies.

About 400 lines in one module on purpose: every reply shares the same limits
(Discord's 2,000-character content, embed and field caps) and truncation helpers,
and the snapshot tests read one renderer per reply kind from one place.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from devussy_git.faces.discord.diffblock import fence, fit_text, neutralise
from devussy_git.faces.discord.payload import (
    MAX_FILE_BYTES,
    ButtonSpec,
    Colour,
    EmbedField,
    EmbedSpec,
    FileSpec,
    MessagePayload,
)
from devussy_git.faces.discord.progress import RunProgress
from devussy_git.faces.discord.render_git import (
    LOG_PAGE_SIZE,
    REF_LEN,
    diff_file,
    render_cancelled,
    render_diff,
    render_discard_confirm,
    render_discarded,
    render_full_diff,
    render_log,
    render_proposals,
    render_restart_confirm,
    render_revert_confirm,
    render_reverted,
    render_show,
    render_step,
)
from devussy_git.services import (
    CloneInfo,
    EffectiveConfig,
    InterviewStep,
    ProjectRecord,
    ProjectStatus,
    Question,
    RunCancel,
    RunRecord,
    RunSummary,
    endpoint_host,
)

__all__ = [
    "CHART_FILENAME",
    "LOG_PAGE_SIZE",
    "REF_LEN",
    "diff_file",
    "render_admin",
    "render_cancel",
    "render_cancelled",
    "render_clone",
    "render_diff",
    "render_discard_confirm",
    "render_discarded",
    "render_error",
    "render_full_diff",
    "render_interview",
    "render_interview_started",
    "render_log",
    "render_ping",
    "render_progress",
    "render_projects",
    "render_proposals",
    "render_refusal",
    "render_restart_confirm",
    "render_revert_confirm",
    "render_reverted",
    "render_run_cancelled",
    "render_run_failed",
    "render_run_queued",
    "render_run_summary",
    "render_show",
    "render_status",
    "render_step",
    "render_unexpected",
    "render_version",
]

_ICONS = {
    "pending": "⬜",
    "running": "⏳",
    "completed": "✅",
    "skipped": "⏭️",
    "failed": "❌",
    "cancelled": "⏹️",
}


def _field(name: str, value: str, inline: bool = False) -> EmbedField:
    return EmbedField(fit_text(name, 256), fit_text(value or "—", 1024), inline)


def _clean(text: Any, limit: int) -> str:
    return fit_text(neutralise(str(text)), limit)


# -- small replies ----------------------------------------------------------------


def render_ping(latency_ms: float | None) -> MessagePayload:
    shown = "unknown" if latency_ms is None else f"{latency_ms:.0f} ms"
    return MessagePayload(content=f"Pong! Gateway latency: {shown}.", ephemeral=True)


def render_version(version: str, provider: str, model: str, api_base: str | None = None) -> MessagePayload:
    where = f" at `{endpoint_host(api_base)}`" if api_base else ""
    return MessagePayload(
        content=f"devussy-git {version} · LLM for this server: `{provider}` / `{_clean(model, 200)}`{where}",
        ephemeral=True,
    )


def render_error(user_message: str) -> MessagePayload:
    """A :class:`~devussy_git.errors.DevussyError`, short and only for the one who asked."""
    return MessagePayload(content=fit_text(f"⚠️ {user_message}", 2000), ephemeral=True)


def render_unexpected(error_id: str) -> MessagePayload:
    return MessagePayload(
        content=f"Something went wrong (error id `{error_id}`). Tell an admin this id; it is in the bot's log.",
        ephemeral=True,
    )


def render_refusal(reason: str) -> MessagePayload:
    return MessagePayload(content=fit_text(f"🚫 {reason}", 2000), ephemeral=True)


# -- interview --------------------------------------------------------------------


def render_interview_started(project_id: str, thread_mention: str) -> MessagePayload:
    return MessagePayload(
        content=(
            f"Started the interview for **{project_id}** in {thread_mention}. Answer there, one message per question."
        ),
        ephemeral=True,
    )


def _question_buttons(project_id: str, question: Question) -> tuple[ButtonSpec, ...]:
    if question.kind == "yesno":
        choices: Sequence[str] = ("yes", "no")
    else:
        choices = question.choices
    if not choices or len(choices) > 24:
        choices = ()
    buttons = [
        ButtonSpec("answer", project_id, f"{question.id}.{i}", fit_text(label, 80), "primary")
        for i, label in enumerate(choices, 1)
    ]
    if not question.required:
        buttons.append(ButtonSpec("answer", project_id, f"{question.id}.0", "Skip", "secondary"))
    return tuple(buttons)


def _answers_embed(project_id: str, answers: dict[str, Any], title: str) -> EmbedSpec:
    fields = []
    for key, value in list(answers.items())[:25]:
        if value is None:
            shown = "(skipped)"
        elif isinstance(value, bool):
            shown = "yes" if value else "no"
        elif isinstance(value, list | tuple):
            shown = ", ".join(str(v) for v in value) or "none"
        else:
            shown = str(value)
        fields.append(_field(key.replace("_", " "), _clean(shown, 1024)))
    return EmbedSpec(
        title=fit_text(title, 256), colour=Colour.SUCCESS, fields=tuple(fields), footer=f"project {project_id}"
    )


def render_interview(step: InterviewStep) -> MessagePayload:
    """The next question, a re-ask, the summary with a Run button, or the cancel notice."""
    project_id = step.session.project_id
    if step.state == "cancelled":
        return MessagePayload(
            content=(
                f"Interview for **{project_id}** cancelled. Start again with "
                "`/devussy new` and the same name to reuse the id."
            )
        )
    if step.state == "complete":
        answers = dict(step.interview.to_dict() if step.interview else step.session.answers)
        embed = _answers_embed(project_id, answers, f"Interview complete: {project_id}")
        return MessagePayload(
            content="All set. Press **Run** to plan it (or use `/devussy run` in this thread).",
            embeds=(embed,),
            buttons=(ButtonSpec("run", project_id, "0", "Run", "success"),),
        )
    question = step.question
    if question is None:  # complete but not closed yet: the next message closes it
        return MessagePayload(content="Every question is answered; send any message to finish.")
    lines = []
    if step.state == "reask" and step.problem:
        lines.append(f"⚠️ {_clean(step.problem, 900)}")
    optional = "" if question.required else " *(optional: `skip` to skip)*"
    lines.append(f"**Question {step.number} of {step.total}:** {question.prompt}{optional}")
    if question.help:
        lines.append(f"-# {question.help}")
    if question.choices and question.kind != "yesno":
        listed = "  ".join(f"`{i}` {c}" for i, c in enumerate(question.choices, 1))
        lines.append(fit_text(listed, 600))
        if question.kind == "text":
            lines.append("-# Press a button, or type a number or your own answer.")
    lines.append("-# Type `cancel` to stop the interview.")
    return MessagePayload(content=fit_text("\n".join(lines), 2000), buttons=_question_buttons(project_id, question))


# -- runs -------------------------------------------------------------------------


def render_run_queued(run: RunRecord) -> MessagePayload:
    return MessagePayload(
        content=f"Run `{run.run_id}` of **{run.project_id}** queued with `{run.provider}` / `{_clean(run.model, 100)}`…"
    )


def render_progress(progress: RunProgress) -> MessagePayload:
    """The one progress message, edited as stages pass."""
    lines = [f"**Run `{progress.run_id}` of {progress.project_id}**"]
    for stage in progress.stages:
        took = f" ({stage.seconds:.1f} s)" if stage.seconds is not None else ""
        lines.append(f"{_ICONS.get(stage.state, '▫️')} {stage.name}{took}")
    now = progress.current
    lines.append(
        f"-# {progress.done}/{len(progress.stages)} stages · {progress.elapsed_s:.1f} s"
        f" · tokens in {progress.tokens_in}, out {progress.tokens_out}" + (f" · now: {now}" if now else "")
    )
    if progress.error:
        lines.append(f"❌ {_clean(progress.error, 500)}")
    return MessagePayload(content=fit_text("\n".join(lines), 2000))


def render_run_summary(summary: RunSummary, clone: CloneInfo | None) -> MessagePayload:
    """The plan is ready: complexity, phases, risks, the two key files attached."""
    score = "?" if summary.score is None else f"{summary.score:g}"
    phases = "\n".join(f"{n}. {_clean(title, 120)}" for n, title in summary.phases) or "—"
    risks = "\n".join(f"• {_clean(risk, 200)}" for risk in summary.risks[:5]) or "none recorded"
    fields = [
        _field("Complexity", f"score {score} · depth {summary.depth or '?'}", inline=True),
        _field("Phases", str(summary.phase_count), inline=True),
        _field("Phase titles", phases),
        _field("Top risks", risks),
    ]
    if clone is not None:
        fields.append(
            _field("Clone", f"`git clone {clone.plain_url}`" + ("" if clone.public else "\nToken: `/devussy clone`"))
        )
    embed = EmbedSpec(
        title=f"Plan ready: {summary.project_id}",
        description="Next: `/devussy handoff-next` takes the first task.",
        colour=Colour.SUCCESS,
        fields=tuple(fields),
        footer=f"run {summary.run_id}",
    )
    files = tuple(
        FileSpec(name, text.encode("utf-8"))
        for name, text in (("devplan.md", summary.devplan), ("handoff.md", summary.handoff))
        if text
    )
    return MessagePayload(embeds=(embed,), files=files)


def render_run_failed(project_id: str, run_id: str, error: str) -> MessagePayload:
    embed = EmbedSpec(
        title=f"Run {run_id} of {project_id} failed",
        description=_clean(error, 2000),
        colour=Colour.DANGER,
        footer="Completed stages are kept; Resume continues from the failed one.",
    )
    return MessagePayload(embeds=(embed,), buttons=(ButtonSpec("resume", project_id, run_id, "Resume", "primary"),))


def render_run_cancelled(project_id: str, run_id: str) -> MessagePayload:
    embed = EmbedSpec(
        title=f"Run {run_id} of {project_id} was cancelled",
        description="The plan on main did not change.",
        colour=Colour.WARNING,
        footer="Completed stages are kept; Resume continues from the stage that was stopped.",
    )
    return MessagePayload(embeds=(embed,), buttons=(ButtonSpec("resume", project_id, run_id, "Resume", "primary"),))


def render_cancel(done: RunCancel) -> MessagePayload:
    """The reply to ``/devussy cancel``."""
    if done.stopping:
        text = (
            f"⏹️ Run `{done.run_id}` of **{done.project_id}** is stopping: it ends at its next step and keeps "
            "the stages it finished. The plan on main does not change."
        )
    else:
        text = f"⏹️ Run `{done.run_id}` of **{done.project_id}** is cancelled; it never started."
    return MessagePayload(content=text)


# -- status, projects, clone, admin --------------------------------------------------


#: The file name of the progress chart, shown as the status embed's picture.
CHART_FILENAME = "progress.png"


def render_status(status: ProjectStatus, chart: bytes | None = None) -> MessagePayload:
    """Last run, progress and next task; with ``chart`` (PNG bytes) the progress
    picture attached and shown as the embed's image."""
    project = status.project
    fields = [_field("Head", status.head[:REF_LEN] if status.head else "no commits", inline=True)]
    if status.archived is not None:
        fields.append(_field("Archived", "read-only; `/devussy admin restore` brings it back", inline=True))
    run = status.run
    if run is not None:
        done = sum(1 for s in run.stages if s.state == "completed")
        fields.append(_field("Last run", f"`{run.run_id}` {run.state} · {done}/{len(run.stages)} stages", inline=True))
        if run.error:
            fields.append(_field("Run error", _clean(run.error, 1000)))
    progress = status.progress
    if progress is not None:
        fields.append(_field("Progress", f"{progress.done}/{progress.total} tasks", inline=True))
        task = progress.next_task
        fields.append(
            _field("Next task", f"{task.id}: {_clean(task.title, 900)}" if task else "none: every task is done")
        )
        if progress.blockers:
            fields.append(_field("Blockers", "\n".join(f"• {_clean(b, 200)}" for b in progress.blockers[:5])))
    else:
        fields.append(_field("Plan", "not planned yet: `/devussy run`"))
    buttons: tuple[ButtonSpec, ...] = ()
    if run is not None and run.state in ("failed", "cancelled") and run.resumable:
        buttons = (ButtonSpec("resume", project.project_id, run.run_id, "Resume", "primary"),)
    files: tuple[FileSpec, ...] = ()
    image = ""
    if chart is not None and len(chart) <= MAX_FILE_BYTES:
        files, image = (FileSpec(CHART_FILENAME, chart),), f"attachment://{CHART_FILENAME}"
    return MessagePayload(
        embeds=(
            EmbedSpec(
                title=f"{_clean(project.name, 200)} ({project.project_id})",
                colour=Colour.INFO,
                fields=tuple(fields),
                image=image,
            ),
        ),
        files=files,
        buttons=buttons,
    )


def render_projects(projects: Sequence[ProjectRecord]) -> MessagePayload:
    if not projects:
        return MessagePayload(content="No projects in this server yet: start one with `/devussy new`.", ephemeral=True)
    lines = [
        f"`{p.project_id}` {_clean(p.name, 80)}" + (f" · <#{p.thread_id}>" if p.thread_id else "") for p in projects
    ]
    embed = EmbedSpec(
        title=f"Projects ({len(projects)})", description=fit_text("\n".join(lines), 4096), colour=Colour.INFO
    )
    return MessagePayload(embeds=(embed,), ephemeral=True)


def render_clone(info: CloneInfo) -> MessagePayload:
    """Clone commands; holds the token, so only ever ephemeral."""
    commands = "\n".join(info.commands)
    head = "Public: no token needed." if info.public else "Keep the token to yourself; it reads this project only."
    return MessagePayload(
        content=fit_text(f"**Clone {info.project_id}** · {head}\n{fence(commands, 'sh')}", 2000),
        ephemeral=True,
    )


def render_admin(config: EffectiveConfig, changed: str | None = None) -> MessagePayload:
    def origin(name: str) -> str:
        return "" if name in config.overridden else " (default)"

    fields = (
        _field("Provider", f"`{config.provider}`{origin('provider')}", inline=True),
        _field("Model", f"`{_clean(config.model, 200)}`{origin('model')}", inline=True),
        _field(
            "Endpoint",
            f"`{endpoint_host(config.api_base)}`" if config.api_base else "the provider's own",
            inline=True,
        ),
        _field("Max runs at once", f"{config.max_runs or 'no limit'}{origin('max_runs')}", inline=True),
        _field("Role", f"<@&{config.role_id}>" if config.role_id else "everyone may run; admins: Manage Server"),
    )
    title = f"Updated {changed}" if changed else "Server settings"
    return MessagePayload(embeds=(EmbedSpec(title=title, colour=Colour.INFO, fields=fields),), ephemeral=True)
