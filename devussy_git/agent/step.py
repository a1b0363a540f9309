"""One handoff-next step: select, build the context, ask, validate, ritual, land.

The step reads the plan at ``main``'s head, picks the task, sends only the
protocol's slices to the model, applies its section edits with the patcher
(re-asking with the patcher's message when they do not apply, at most
``attempts`` times in all), runs the ritual and checks the result (a reply
whose summary or content would break the plan is re-asked too), and lands one
commit on ``main`` or on a new proposal ref. When every attempt fails nothing
is written.

Git access goes through :class:`~devussy_git.store.PlanRepo` in worker
threads; the model through :class:`~devussy_git.llm.LLMClient`. Callers hold
the project's in-process lock; across processes the store's compare-and-swap
decides (see :mod:`devussy_git.agent.landing`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

from devussy_git.agent.context import build_context
from devussy_git.agent.landing import (
    STEP_STAGE,
    CheckedStep,
    Landing,
    check_step,
    land,
    plan_files_at,
    step_subject,
)
from devussy_git.agent.proposals import new_proposal_ref
from devussy_git.agent.reply import AppliedReply, apply_reply, parse_reply
from devussy_git.agent.ritual import record, task_of
from devussy_git.agent.selection import select_task
from devussy_git.errors import NotFoundError
from devussy_git.llm import LLMClient
from devussy_git.pipeline.ask import ask
from devussy_git.pipeline.prompts import build_messages
from devussy_git.plan.files import plan_progress, read_phases
from devussy_git.plan.model import Task
from devussy_git.store import CommitInfo, Diff, Identity, PlanRepo
from devussy_git.store.trailers import (
    TRAILER_ACTOR,
    TRAILER_MODEL,
    TRAILER_STAGE,
    TRAILER_STEP,
    TRAILER_TASK,
    TRAILER_TOKENS,
)

__all__ = ["ATTEMPTS", "StepResult", "find_landed", "landed_step", "run_step", "step_result", "trailer_value"]

#: Model replies per step in all (the first and two re-asks).
ATTEMPTS = 3
#: Longest model name written to the ``Devussy-Model`` trailer.
_MODEL_MAX = 100


def trailer_value(text: str, *, limit: int = _MODEL_MAX) -> str:
    """``text`` as one printable line of at most ``limit`` characters."""
    printable = "".join(char if char.isprintable() else " " for char in text)
    value = " ".join(printable.split())
    if len(value) > limit:
        value = value[: limit - 1].rstrip() + "…"
    return value or "unknown"


@dataclass(frozen=True)
class StepResult:
    """What a face shows after a step (or an applied proposal)."""

    commit: CommitInfo
    task: Task
    summary: str
    #: ``done`` or ``blocked``.
    status: str
    diff: Diff
    next_task: Task | None
    #: Set when the step was parked as a proposal (``--preview``).
    proposal_id: str | None
    step: int


def step_result(repo: PlanRepo, landing: Landing, task_id: str, summary: str, proposal_id: str | None) -> StepResult:
    """Describe a landed step (reads its diff; call in a worker thread)."""
    phases = read_phases(landing.files)
    task = task_of(phases, task_id)
    if task is None:
        raise NotFoundError(f"Task {task_id} is not in the plan any more.")
    return StepResult(
        commit=landing.commit,
        task=task,
        summary=summary,
        status="done" if task.done else "blocked",
        diff=repo.diff_commit(landing.commit.sha),
        next_task=plan_progress(landing.files).next_task,
        proposal_id=proposal_id,
        step=landing.step,
    )


def landed_step(repo: PlanRepo, sha: str, *, summary: str | None = None, proposal_id: str | None = None) -> StepResult:
    """Describe the step commit ``sha`` that is already landed (on ``main`` or a proposal),
    from the commit alone: its task and step number come from its trailers, the summary
    (when not given) from its subject. Call in a worker thread."""
    commit = repo.get_commit(sha)
    task_id = commit.trailers.get(TRAILER_TASK, "")
    if summary is None:
        summary = commit.subject.removeprefix(step_subject(task_id, "")).strip()
    number = commit.trailers.get(TRAILER_STEP, "")
    landing = Landing(commit, plan_files_at(repo, sha), int(number) if number.isdigit() else 0)
    return step_result(repo, landing, task_id, summary, proposal_id)


def find_landed(repo: PlanRepo, *, base: str, task_id: str, actor: str, preview: bool) -> tuple[str, str | None] | None:
    """The step an interrupted worker landed before it could say so: ``(sha, proposal_id)``.

    A step that chose ``task_id`` on ``base`` and landed is a step commit for that task
    by ``actor``: on ``main`` between ``base`` and the head (first parents), or, for
    a preview, a proposal whose parent is ``base``. ``None`` when there is none: nothing
    of the step was written. Call in a worker thread.
    """
    from devussy_git.agent.proposals import list_proposals

    def ours(info: CommitInfo) -> bool:
        return (
            info.trailers.get(TRAILER_STAGE) == STEP_STAGE
            and info.trailers.get(TRAILER_TASK) == task_id
            and info.trailers.get(TRAILER_ACTOR) == actor
        )

    if preview:
        for proposal in list_proposals(repo):
            if proposal.base == base and ours(repo.get_commit(proposal.sha)):
                return proposal.sha, proposal.id
        return None
    for info in repo.log("main", first_parent=True):
        if info.sha == base:
            return None
        if ours(info):
            return info.sha, None
    return None


def _load(repo: PlanRepo) -> tuple[str, dict[str, str]]:
    head = repo.head()
    if head is None:
        raise NotFoundError(f"Project {repo.project_id} has no commits yet.")
    files = plan_files_at(repo, head)
    missing = [f for f in ("devplan.md", "handoff.md") if f not in files]
    if missing:
        raise NotFoundError(
            f"Project {repo.project_id} has no plan yet ({', '.join(missing)} missing); run the pipeline first."
        )
    return head, files


def step_parser(
    files: Mapping[str, str], editable: Mapping[str, str], task: Task
) -> Callable[[str], tuple[AppliedReply, CheckedStep]]:
    """What a step does with the model's reply: parse it, apply its edits to the
    files it may touch, record the ritual, and check the result; every refusal is
    an ``InvalidLLMOutputError`` for the model."""

    def parse(text: str) -> tuple[AppliedReply, CheckedStep]:
        applied = apply_reply(editable, parse_reply(text))
        content = record(
            {**files, **applied.files},
            task,
            summary=applied.reply.summary,
            blocked=applied.reply.status == "blocked",
            touched=applied.touched,
            edits=applied.edits,
        )
        return applied, check_step(files, content, task.id, applied.reply.status != "blocked")

    return parse


async def run_step(
    repo: PlanRepo,
    client: LLMClient,
    *,
    author: Identity,
    actor: str,
    note: str | None = None,
    task_id: str | None = None,
    preview: bool = False,
    attempts: int = ATTEMPTS,
    on_chosen: Callable[[str, str], Awaitable[None]] | None = None,
    before_land: Callable[[], Awaitable[None]] | None = None,
) -> StepResult:
    """Run one step and land it on ``main`` (or on a new proposal with ``preview``).

    ``on_chosen(head, task_id)`` is awaited once the task is chosen, before the model
    is asked; ``before_land()`` after the reply is checked, before anything is
    written: an error it raises leaves the repository as it was.
    """
    head, files = await asyncio.to_thread(_load, repo)
    selection = select_task(read_phases(files), handoff=files["handoff.md"], task_id=task_id)
    if on_chosen is not None:
        await on_chosen(head, selection.task.id)
    context = build_context(files, selection, note)
    editable: Mapping[str, str] = {p: files[p] for p in context.allowed_files}

    task = selection.task
    parse = step_parser(files, editable, task)

    answer = await ask(
        client,
        stage="handoff-next",
        messages=build_messages("handoff_next", context.values),
        context=context.offline,
        parse=parse,
        attempts=attempts,
    )
    applied, checked = answer.value
    summary = applied.reply.summary
    blocked = applied.reply.status == "blocked"
    trailers = [
        (TRAILER_TASK, task.id),
        (TRAILER_MODEL, trailer_value(answer.model or client.profile.model)),
        (TRAILER_TOKENS, f"in={answer.tokens_in}, out={answer.tokens_out}"),
        (TRAILER_ACTOR, actor),
    ]

    if before_land is not None:
        await before_land()

    def commit() -> StepResult:
        proposal_id, ref = None, "refs/heads/main"
        if preview:
            proposal_id, ref = new_proposal_ref()
        landing = land(
            repo,
            base_head=head,
            base_files=files,
            content=checked.content,
            task_id=task.id,
            done=not blocked,
            subject=step_subject(task.id, summary),
            trailers=trailers,
            author=author,
            ref=ref,
            new_ref=preview,
            checked=checked,
        )
        return step_result(repo, landing, task.id, summary, proposal_id)

    return await asyncio.to_thread(commit)
