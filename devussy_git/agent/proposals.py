"""Preview proposals: handoff-next steps parked on ``refs/proposals/<id>``.

A preview commits the step on its own ref (parent: ``main`` as it was), so the
team can read the diff before it lands. Applying moves ``main`` to the
proposal when ``main`` has not moved (compare-and-swap), else carries the
step onto the new ``main`` as one new commit (same trailers, the step
renumbered, ``Devussy-Stage: apply`` noted) when that applies cleanly, and
refuses with the reason otherwise. Discarding deletes the ref; proposals older
than the configured age are pruned. Plain clones do not fetch these refs.

Talks to git only through :class:`~devussy_git.store.PlanRepo`; synchronous.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from devussy_git.agent.landing import (
    MAIN,
    STEP_STAGE,
    Landing,
    land,
    next_step_number,
    plan_files_at,
)
from devussy_git.agent.ritual import task_of
from devussy_git.errors import (
    ConflictError,
    HeadMovedError,
    InvalidInputError,
    NotFoundError,
)
from devussy_git.plan.files import read_phases
from devussy_git.store import CommitInfo, Identity, PlanRepo
from devussy_git.store.trailers import (
    TRAILER_ACTOR,
    TRAILER_MODEL,
    TRAILER_STAGE,
    TRAILER_STEP,
    TRAILER_TASK,
    TRAILER_TOKENS,
)

__all__ = [
    "PROPOSAL_PREFIX",
    "Proposal",
    "apply_proposal",
    "discard_proposal",
    "get_proposal",
    "list_proposals",
    "new_proposal_ref",
    "prune_proposals",
    "stale_proposals",
]

PROPOSAL_PREFIX = "refs/proposals/"
_ID = re.compile(r"^[0-9a-f]{8,40}$")
#: Trailers a rebased proposal keeps from the original commit (Stage/Step are redone).
_KEPT = (TRAILER_TASK, TRAILER_MODEL, TRAILER_TOKENS, TRAILER_ACTOR)


@dataclass(frozen=True)
class Proposal:
    """One parked step."""

    id: str
    task: str
    author: Identity
    created_at: datetime
    #: The ``main`` commit the proposal was computed on (its parent).
    base: str
    sha: str
    summary: str
    step: int | None

    def age_s(self, now: datetime | None = None) -> float:
        return ((now or datetime.now(UTC)) - self.created_at).total_seconds()


def new_proposal_ref() -> tuple[str, str]:
    """A fresh ``(id, ref name)``."""
    pid = secrets.token_hex(4)
    return pid, PROPOSAL_PREFIX + pid


def _check_id(proposal_id: str) -> str:
    pid = proposal_id.strip().lower()
    if not _ID.match(pid):
        raise InvalidInputError(f"{proposal_id!r} is not a proposal id (8 hex digits, see `proposals`).")
    return pid


def _describe(pid: str, info: CommitInfo) -> Proposal:
    task = info.trailers.get(TRAILER_TASK, "?")
    prefix = f"{STEP_STAGE} {task}: "
    summary = info.subject.removeprefix(prefix)
    step = info.trailers.get(TRAILER_STEP, "")
    return Proposal(
        id=pid,
        task=task,
        author=info.author,
        created_at=info.commit_time,
        base=info.parents[0] if info.parents else "",
        sha=info.sha,
        summary=summary,
        step=int(step) if step.isdigit() else None,
    )


def list_proposals(repo: PlanRepo) -> list[Proposal]:
    """Every proposal, oldest first."""
    out = []
    for name, sha in repo.list_refs(PROPOSAL_PREFIX).items():
        info = repo.get_commit(sha)
        if info.trailers.get(TRAILER_STAGE) != STEP_STAGE:
            # A ref left behind by a preview that stopped before its commit.
            continue
        out.append(_describe(name.removeprefix(PROPOSAL_PREFIX), info))
    return sorted(out, key=lambda p: (p.created_at, p.id))


def get_proposal(repo: PlanRepo, proposal_id: str) -> Proposal:
    pid = _check_id(proposal_id)
    sha = repo.get_ref(PROPOSAL_PREFIX + pid)
    if sha is None:
        raise NotFoundError(
            f"There is no proposal {pid} (it was applied, discarded or pruned). The project's "
            "proposals list shows what is left: `devussy-git proposals <project>` in the CLI, "
            "`/devussy proposals` in Discord."
        )
    return _describe(pid, repo.get_commit(sha))


def discard_proposal(repo: PlanRepo, proposal_id: str) -> Proposal:
    """Delete the proposal's ref (its commit becomes unreachable)."""
    proposal = get_proposal(repo, proposal_id)
    repo.delete_ref(PROPOSAL_PREFIX + proposal.id)
    return proposal


def stale_proposals(repo: PlanRepo, max_age_s: float, *, now: datetime | None = None) -> list[str]:
    """Ids of the proposals :func:`prune_proposals` would delete (nothing is changed)."""
    return [name.removeprefix(PROPOSAL_PREFIX) for name in _stale_refs(repo, max_age_s, now)]


def _stale_refs(repo: PlanRepo, max_age_s: float, now: datetime | None) -> list[str]:
    found = []
    for name, sha in repo.list_refs(PROPOSAL_PREFIX).items():
        info = repo.get_commit(sha)
        stale = info.trailers.get(TRAILER_STAGE) != STEP_STAGE
        if stale or _describe(name, info).age_s(now) > max_age_s:
            found.append(name)
    return found


def prune_proposals(repo: PlanRepo, max_age_s: float, *, now: datetime | None = None) -> list[str]:
    """Delete proposals older than ``max_age_s`` and refs a crashed preview left; their ids."""
    pruned = []
    for name in _stale_refs(repo, max_age_s, now):
        try:
            repo.delete_ref(name)
        except NotFoundError:
            continue
        pruned.append(name.removeprefix(PROPOSAL_PREFIX))
    return pruned


def apply_proposal(repo: PlanRepo, proposal_id: str) -> tuple[Proposal, Landing]:
    """Land the proposal on ``main``: fast-forward, or carried onto the new ``main``.

    A carried proposal keeps its author, as ``git rebase`` does.
    """
    proposal = get_proposal(repo, proposal_id)
    ref = PROPOSAL_PREFIX + proposal.id
    original = repo.get_commit(proposal.sha)
    head = repo.head()
    if head == proposal.base:
        try:
            repo.set_ref(MAIN, proposal.sha, expected=proposal.base)
        except HeadMovedError:
            head = repo.head()
        else:
            repo.delete_ref(ref)
            files = plan_files_at(repo, proposal.sha)
            return proposal, Landing(original, files, proposal.step or next_step_number(repo, proposal.sha))
    if head is None:
        raise ConflictError("The project's main branch is gone; the proposal cannot be applied.")
    base_files = plan_files_at(repo, proposal.base)
    content = plan_files_at(repo, proposal.sha)
    task_done = _task_done(content, proposal.task)
    trailers = [(k, original.trailers[k]) for k in _KEPT if k in original.trailers]
    try:
        landing = land(
            repo,
            base_head=proposal.base,
            base_files=base_files,
            content=content,
            task_id=proposal.task,
            done=task_done,
            subject=original.subject,
            trailers=trailers,
            author=original.author,
            noted_stages=("apply",),
        )
    except ConflictError as exc:
        raise ConflictError(
            f"Proposal {proposal.id} (task {proposal.task}) does not apply on the current main: "
            f"{_reason(exc)} Discard it and run handoff-next again."
        ) from exc
    repo.delete_ref(ref)
    return proposal, landing


def _reason(exc: ConflictError) -> str:
    return (
        exc.user_message.replace(" Nothing was committed; try again.", "")
        .replace("The plan changed while this step ran", "main changed since")
        .rstrip(".")
        + "."
    )


def _task_done(files: dict[str, str], task_id: str) -> bool:
    task = task_of(read_phases(files), task_id)
    return bool(task and task.done)
