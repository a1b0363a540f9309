"""Landing a step on a ref: read the plan at a head, number the step, commit with CAS.

A step is computed on the head it read. When the ref moved meanwhile (another
process committed), the step's content — the model's edits and the lines the
ritual recorded — is carried onto the new head region by region
(:func:`~devussy_git.agent.regions.merge_files`), the ritual runs again there,
and the commit is retried. When the content no longer applies, or the step's
task was done meanwhile, the step fails with a clear "the plan changed, try
again" :class:`~devussy_git.errors.ConflictError` and nothing is written.

Landing fails closed: the files about to be committed must keep every anchor
of the plan (:func:`~devussy_git.plan.anchors.check_plan_anchors`, strict) and
be consistent (:func:`~devussy_git.agent.ritual.check_consistency`);
otherwise :func:`verify_step` raises
:class:`~devussy_git.errors.InvalidLLMOutputError` and nothing is written.

Talks to git only through :class:`~devussy_git.store.PlanRepo`; synchronous
(callers run it in a worker thread); never calls a model.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from devussy_git.agent.regions import RegionConflict, merge_files
from devussy_git.agent.ritual import check_consistency, refresh, restore_ritual, task_of
from devussy_git.errors import (
    ConflictError,
    HeadMovedError,
    InvalidLLMOutputError,
    NotFoundError,
)
from devussy_git.plan.anchors import check_plan_anchors
from devussy_git.plan.files import read_phases
from devussy_git.store import CommitInfo, Identity, PlanRepo
from devussy_git.store.trailers import TRAILER_STAGE, TRAILER_STEP

__all__ = [
    "STEP_STAGE",
    "CheckedStep",
    "Landing",
    "changes_between",
    "check_step",
    "land",
    "next_step_number",
    "plan_files_at",
    "step_subject",
    "verify_step",
]

STEP_STAGE = "handoff-next"
MAIN = "refs/heads/main"
#: How many times a step is carried onto a moved head before giving up.
LAND_ATTEMPTS = 4
_PLAN_FILE = re.compile(r"^(devplan\.md|handoff\.md|project_design\.md|phase[1-9]\d*\.md)$")
_SUBJECT_MAX = 72


def plan_files_at(repo: PlanRepo, rev: str) -> dict[str, str]:
    """The plan's markdown files at ``rev`` (devplan, phases, handoff, design)."""
    names = [p for p in repo.list_files(rev) if _PLAN_FILE.match(p)]
    return repo.read_many(names, rev)


def _newest_step(repo: PlanRepo, head: str) -> CommitInfo | None:
    """The newest handoff-next commit on ``head``; usually among the last few."""
    for limit in (16, None):
        log = repo.log(head, limit=limit)
        found = next((i for i in log if i.trailers.get(TRAILER_STAGE) == STEP_STAGE), None)
        if found is not None or limit is None or len(log) < limit:
            return found
    return None


def next_step_number(repo: PlanRepo, head: str | None) -> int:
    """``Devussy-Step`` of the next step: the number of steps on ``head`` plus one.

    Steps are numbered in order and history is never rewritten, so the newest
    step's number plus one is the count plus one; only recent commits are read.
    """
    newest = None if head is None else _newest_step(repo, head)
    if newest is None:
        return 1
    number = newest.trailers.get(TRAILER_STEP, "")
    if number.isdigit():
        return int(number) + 1
    assert head is not None
    return 1 + sum(1 for i in repo.log(head) if i.trailers.get(TRAILER_STAGE) == STEP_STAGE)


def step_subject(task_id: str, summary: str) -> str:
    """``handoff-next <task>: <summary>``, the summary cut to fit one line."""
    head = f"{STEP_STAGE} {task_id}: "
    text = " ".join(summary.split())
    room = max(_SUBJECT_MAX - len(head), 20)
    if len(text) > room:
        text = text[: room - 1].rstrip() + "…"
    return head + text


def changes_between(before: Mapping[str, str], after: Mapping[str, str]) -> dict[str, str | None]:
    """The files ``after`` changed against ``before`` (text only, no deletions)."""
    return {p: t for p, t in after.items() if before.get(p) != t}


def verify_step(base: Mapping[str, str], final: Mapping[str, str]) -> None:
    """Refuse ``final`` (a step's files after the ritual) unless it keeps the plan whole.

    Anchor problems the ``base`` plan already had are not the step's doing and
    are let through; any new one, and any derived region that disagrees with
    the phase files, raises ``InvalidLLMOutputError`` (its ``model_message``
    says what broke, for a re-ask when the step's content came from a reply).
    """
    changed = {p: t for p, t in final.items() if base.get(p) != t}
    if not changed:
        return
    known = set(check_plan_anchors(base, strict=True))
    problems = [p for p in check_plan_anchors(final, strict=True) if p not in known]
    problems += check_consistency(final)
    if problems:
        raise InvalidLLMOutputError(
            f"The step would leave the plan broken ({problems[0]}); nothing was committed.",
            model_message=(
                "After your edits and Devussy's own updates the plan is broken: "
                + "; ".join(problems)
                + ". Keep anchor comments (<!-- ... -->) out of the summary and the content, "
                "and send the whole reply again."
            ),
        )


@dataclass(frozen=True)
class CheckedStep:
    """A step's files after the ritual, checked by :func:`check_step` on ``base``."""

    base: Mapping[str, str]
    content: Mapping[str, str]
    task_id: str
    done: bool
    files: Mapping[str, str]


def check_step(base: Mapping[str, str], content: Mapping[str, str], task_id: str, done: bool) -> CheckedStep:
    """Run the ritual on ``content`` (base + edits + recorded lines) and check the
    result (:func:`verify_step`); ``InvalidLLMOutputError`` when it is broken."""
    final = refresh(content, task_id, done=done)
    verify_step(base, final)
    return CheckedStep(base, content, task_id, done, final)


@dataclass(frozen=True)
class Landing:
    """A landed step: its commit, the files it left and its step number."""

    commit: CommitInfo
    files: Mapping[str, str]
    step: int


def _carry(
    base: Mapping[str, str],
    content: Mapping[str, str],
    head_files: Mapping[str, str],
    task_id: str,
    done: bool,
) -> dict[str, str]:
    """The step's content carried onto ``head_files``, with the ritual run there."""
    phases = read_phases(head_files)
    task = task_of(phases, task_id)
    if task is None:
        raise ConflictError(
            f"The plan changed while this step ran: task {task_id} is gone. Nothing was committed; try again."
        )
    if task.done:
        raise ConflictError(
            f"The plan changed while this step ran: task {task_id} was completed by another "
            "step. Nothing was committed; try again."
        )
    try:
        merged = merge_files(base, head_files, restore_ritual(base, content))
    except RegionConflict as exc:
        raise ConflictError(
            f"The plan changed while this step ran ({exc} was changed by both). Nothing was committed; try again."
        ) from None
    return refresh({**head_files, **merged}, task_id, done=done)


def land(
    repo: PlanRepo,
    *,
    base_head: str,
    base_files: Mapping[str, str],
    content: Mapping[str, str],
    task_id: str,
    done: bool,
    subject: str,
    trailers: Sequence[tuple[str, str]],
    author: Identity,
    ref: str = MAIN,
    new_ref: bool = False,
    noted_stages: Sequence[str] = (),
    checked: CheckedStep | None = None,
) -> Landing:
    """Commit the step (``content`` = base + model edits + recorded lines) on ``ref``.

    With ``new_ref`` the commit creates ``ref`` (a proposal) on top of
    ``base_head`` in one go; ``ConflictError`` when ``ref`` exists already.
    The ritual runs on the head the commit is made on, and ``Devussy-Step`` is
    counted there; the files are checked (:func:`verify_step`) before each
    commit. ``checked`` is :func:`check_step`'s result for this ``content``
    on ``base_files``, when the caller has it: the first commit then uses
    those files instead of running the ritual and the checks again.
    ``noted_stages`` (e.g. ``apply``) are written as extra ``Devussy-Stage``
    trailers before ``handoff-next``, which stays the commit's stage (the
    last trailer wins), so the step keeps counting as one.
    """
    head, files = base_head, dict(base_files)
    inputs = (files, content, task_id, done)
    if checked is None or (checked.base, checked.content, checked.task_id, checked.done) != inputs:
        checked = check_step(files, content, task_id, done)
    final = checked.files
    for _ in range(LAND_ATTEMPTS):
        step = next_step_number(repo, head)
        changes = changes_between(files, final)
        try:
            info = repo.commit(
                changes,
                subject,
                author=author,
                trailers=[
                    *((TRAILER_STAGE, stage) for stage in noted_stages),
                    (TRAILER_STAGE, STEP_STAGE),
                    (TRAILER_STEP, str(step)),
                    *trailers,
                ],
                expected_head=None if new_ref else head,
                ref=ref,
                parent=head,
            )
        except HeadMovedError as exc:
            if new_ref:
                raise ConflictError(f"{ref} exists already; nothing was committed.") from exc
            if exc.actual is None:
                raise NotFoundError(f"{ref} no longer exists; nothing was committed.") from exc
            head = exc.actual
            files = plan_files_at(repo, head)
            carried = _carry(base_files, content, files, task_id, done)
            verify_step(files, carried)
            final = carried
            continue
        return Landing(info, final, step)
    raise ConflictError("The plan kept changing while this step ran; nothing was committed. Try again.")
