"""How a run's stages reach ``main``: the run's own ref, its rebase, its landing.

A run commits on ``refs/runs/<run_id>`` (:func:`start_ref` makes it from
``main``, or replays it onto a ``main`` that moved, :func:`rebase`); when the
last stage is in, :func:`land` fast-forwards ``main`` to it and tags it
``run/<run_id>``. Which stages a run has committed is read back from the
``Devussy-Run`` trailers (:func:`completed_stages`), never from bookkeeping.
"""

from __future__ import annotations

from devussy_git.errors import HeadMovedError, NotFoundError, RunOutdatedError
from devussy_git.stages import STAGES
from devussy_git.store import MAIN_REF, RUN_REF_PREFIX, PlanRepo, run_ref
from devussy_git.store.trailers import TRAILER_RUN, TRAILER_STAGE

__all__ = ["completed_stages", "interview_commit", "land", "main_moved", "rebase", "start_ref"]


def completed_stages(repo: PlanRepo, run_id: str, *, rev: str | None = None, scan: int = 500) -> dict[str, str]:
    """``{stage: commit}`` of the stages ``run_id`` has committed.

    Read from ``rev``; by default the run's own ref while it exists, else
    ``main`` (a run that has landed).
    """
    if rev is None:
        rev = run_ref(run_id) if repo.get_ref(run_ref(run_id)) is not None else "main"
    done: dict[str, str] = {}
    for info in repo.log(rev, limit=scan):
        if info.trailers.get(TRAILER_RUN) == run_id:
            stage = info.trailers.get(TRAILER_STAGE, "")
            if stage in STAGES and stage not in done:
                done[stage] = info.sha
    return done


def interview_commit(repo: PlanRepo, rev: str) -> str:
    for info in repo.log(rev, paths=["interview.json"], limit=1):
        return info.sha
    raise NotFoundError(f"Project {repo.project_id} has no interview.json on main.")


def start_ref(repo: PlanRepo, run_id: str) -> str:
    """The tip of the run's ref, made from ``main`` (or rebuilt on it) as needed.

    A run that already landed (its tag is on ``main``) gets no new ref: its
    tag is returned and everything after is a no-op.
    """
    ref = run_ref(run_id)
    main = repo.head()
    if main is None:
        raise NotFoundError(f"Project {repo.project_id} has no interview.json on main.")
    tip = repo.get_ref(ref)
    # Only the newest run of a project can be resumed: older runs' refs go.
    for other in repo.list_refs(RUN_REF_PREFIX):
        if other != ref:
            repo.delete_ref(other)
    if tip is None:
        landed = repo.list_tags(f"run/{run_id}").get(f"run/{run_id}")
        if landed is not None and repo.is_ancestor(landed, main):
            return landed
        repo.set_ref(ref, main, expected=None)
        return main
    if repo.is_ancestor(main, tip):
        return tip
    return rebase(repo, run_id, tip, main)


def rebase(repo: PlanRepo, run_id: str, tip: str, main: str) -> str:
    """Move the run's own commits from where it started onto ``main``, which moved."""
    own: list[str] = []
    commit = repo.get_commit(tip)
    while not repo.is_ancestor(commit.sha, main):
        own.append(commit.sha)
        if len(commit.parents) != 1:
            break
        commit = repo.get_commit(commit.parents[0])
    start = commit.sha
    answers_moved = repo.read_many(["interview.json"], start) != repo.read_many(["interview.json"], main)
    wrote_answers = any(repo.get_commit(sha).trailers.get(TRAILER_STAGE) == "interview" for sha in own)
    if answers_moved and not wrote_answers:
        raise RunOutdatedError(
            f"Run {run_id} of {repo.project_id} was built from interview answers that main no "
            "longer holds (they were changed since), so it cannot be resumed; start a new run "
            "to plan from the current answers."
        )
    new_tip = main
    for sha in reversed(own):
        new_tip = repo.replay(sha, onto=new_tip)
    repo.set_ref(run_ref(run_id), new_tip, expected=tip)
    return new_tip


def land(repo: PlanRepo, run_id: str, tip: str) -> None:
    """Fast-forward ``main`` to the run's last commit, tag it, drop the run ref."""
    tag = f"run/{run_id}"
    main = repo.head()
    if main is None or not repo.is_ancestor(tip, main):
        if main is None or not repo.is_ancestor(main, tip):
            raise main_moved(repo.project_id, run_id)
        try:
            repo.set_ref(MAIN_REF, tip, expected=main)
        except HeadMovedError:
            raise main_moved(repo.project_id, run_id) from None
    if repo.list_tags(tag).get(tag) is None:
        repo.create_tag(tag, tip)
    if repo.get_ref(run_ref(run_id)) is not None:
        repo.delete_ref(run_ref(run_id))


def main_moved(project_id: str, run_id: str) -> HeadMovedError:
    return HeadMovedError(
        f"The plan of {project_id} changed on main while run {run_id} was going (a step or "
        "revert landed), so the new plan was not put in its place; main still holds the "
        "plan as it was. Resume the run to apply its stages on top of the new state.",
        expected=None,
        actual=None,
    )
