"""Run orchestration: the seven stages, one commit each, resumable.

A run works on its own ref, ``refs/runs/<run_id>``, started from ``main``:
it reads ``interview.json`` there and commits each stage's files with the
trailers of DESIGN section 4. ``main`` does not see the stages until the
run completes; then it is fast-forwarded to the run's last commit (tagged
``run/<run_id>``) and the run ref is deleted, so ``main`` only ever holds a
consistent plan: the old one, or the whole new one.

Which stages a run has finished is read back from git (commits on the run
ref whose ``Devussy-Run`` trailer names the run), so a resumed run never
redoes a committed stage even when the process died between the commit and
any bookkeeping. When ``main`` moved while the run went on (a step or a
revert landed), the fast-forward is refused with a resumable error; resuming
replays the run's commits on top of the new ``main`` (each stage writes
whole files, so a replay never conflicts), unless the interview answers on
``main`` changed, in which case the stages are built again from them.

How the run's ref is made, rebased and landed is :mod:`devussy_git.pipeline.runref`.
This module stays one piece of about 500 lines on purpose: the seven stage builders
(``_complexity`` … ``_handoff``) share the run's state and the one commit step, and
they read top to bottom in the order a run goes through them.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from devussy_git.errors import (
    DevussyError,
    HeadMovedError,
    InvalidLLMOutputError,
)
from devussy_git.llm import LLMClient
from devussy_git.pipeline.ask import ask
from devussy_git.pipeline.prompts import build_messages, to_json
from devussy_git.pipeline.runref import completed_stages, interview_commit, land, start_ref
from devussy_git.plan import (
    ComplexityProfile,
    Interview,
    Phase,
    PhaseOutline,
    Plan,
    parse_complexity_refinement,
    parse_design,
    parse_devplan_outline,
    parse_phase_tasks,
    parse_validation,
    render_design,
    render_devplan,
    render_handoff,
    render_plan_files,
    render_validation_report,
    score_complexity,
)
from devussy_git.plan.files import outline_from_devplan, read_plan
from devussy_git.stages import STAGES
from devussy_git.store import RUN_REF_PREFIX, CommitInfo, Identity, PlanRepo, run_ref
from devussy_git.store.trailers import TRAILER_ACTOR, TRAILER_MODEL, TRAILER_RUN, TRAILER_STAGE, TRAILER_TOKENS

__all__ = [
    "RUN_REF_PREFIX",
    "STAGES",
    "PipelineRunner",
    "ProgressEvent",
    "RunOutcome",
    "completed_stages",
    "run_ref",
]

_PHASE_FILE = re.compile(r"phase[1-9][0-9]*\.md")
#: How many design/validation rounds the correction loop may take.
VALIDATION_ROUNDS = 3


@dataclass(frozen=True)
class ProgressEvent:
    """What a face shows while a run goes on, and what the services record."""

    run_id: str
    project_id: str
    stage: str
    state: str  # "started" | "completed" | "skipped" | "failed"
    elapsed_s: float
    tokens_in: int = 0
    tokens_out: int = 0
    commit: str | None = None
    detail: str = ""


@dataclass(frozen=True)
class RunOutcome:
    """A finished run: its head commit, tag and the plan it produced."""

    run_id: str
    project_id: str
    head: str
    tag: str
    plan: Plan
    tokens_in: int
    tokens_out: int
    stage_commits: Mapping[str, str]


ProgressCallback = Callable[[ProgressEvent], Awaitable[None] | None]


@dataclass
class _StageResult:
    files: dict[str, str | None]
    subject: str
    tokens_in: int = 0
    tokens_out: int = 0
    model: str = ""


@dataclass
class _State:
    interview: Interview
    complexity: ComplexityProfile | None = None
    design: str | None = None
    outline: tuple[PhaseOutline, ...] = ()
    plan: Plan | None = None
    extra: dict[str, Any] = field(default_factory=dict)


async def _land_past_cancel(repo: PlanRepo, run_id: str, head: str) -> None:
    """Move ``main`` to the run's last commit; once begun, a cancel cannot stop it.

    Landing is one ref update in a thread, which a cancelled task would not stop:
    if the task gave up while the thread moved ``main``, the run would be recorded
    cancelled with its plan on ``main``. So a cancel that arrives now waits for the
    landing and is then dropped: the run completes, as it would have a moment later.
    """
    landing = asyncio.ensure_future(asyncio.to_thread(land, repo, run_id, head))
    try:
        await asyncio.shield(landing)
    except asyncio.CancelledError:
        await landing  # a failed landing raises its own error instead
        task = asyncio.current_task()
        if task is not None:
            task.uncancel()


class PipelineRunner:
    """Runs the stages of one run against one project repository."""

    def __init__(
        self,
        client: LLMClient,
        *,
        max_concurrent_phases: int = 4,
        refine_complexity: bool = True,
        attempts: int = 3,
    ) -> None:
        self._client = client
        self._max_phases = max(1, max_concurrent_phases)
        self._refine = refine_complexity
        self._attempts = attempts

    async def run(
        self,
        repo: PlanRepo,
        run_id: str,
        *,
        author: Identity,
        actor: str,
        on_progress: ProgressCallback | None = None,
    ) -> RunOutcome:
        """Run (or resume) ``run_id``; each stage not yet committed becomes one commit."""
        started = time.monotonic()
        total_in = total_out = 0
        commits: dict[str, str] = {}

        async def emit(event: ProgressEvent) -> None:
            if on_progress is not None:
                result = on_progress(event)
                if asyncio.iscoroutine(result):
                    await result

        def event(stage: str, st: str, **kw: Any) -> ProgressEvent:
            return ProgressEvent(run_id, repo.project_id, stage, st, time.monotonic() - started, **kw)

        # The run's stages go on its own ref; main sees them only when the run lands.
        tip = await asyncio.to_thread(start_ref, repo, run_id)
        done = await asyncio.to_thread(completed_stages, repo, run_id, rev=tip)
        interview = Interview.from_json(await asyncio.to_thread(repo.read, "interview.json", tip))
        state = _State(interview=interview)
        state.extra["head"] = tip
        commits["interview"] = await asyncio.to_thread(interview_commit, repo, tip)
        await emit(event("interview", "completed", commit=commits["interview"]))

        for stage in STAGES[1:]:
            if stage in done:
                commits[stage] = done[stage]
                await asyncio.to_thread(self._load_stage, repo, stage, done[stage], state)
                await emit(event(stage, "skipped", commit=done[stage], detail="already committed"))
                continue
            await emit(event(stage, "started"))
            try:
                result = await self._build_stage(stage, state, repo.project_id)
                info = await asyncio.to_thread(
                    self._commit_stage, repo, stage, run_id, result, author, actor, state.extra["head"]
                )
            except DevussyError as exc:
                await emit(event(stage, "failed", detail=exc.user_message))
                raise
            total_in += result.tokens_in
            total_out += result.tokens_out
            commits[stage] = info.sha
            state.extra["head"] = info.sha
            await emit(
                event(
                    stage,
                    "completed",
                    commit=info.sha,
                    tokens_in=result.tokens_in,
                    tokens_out=result.tokens_out,
                    detail=result.subject,
                )
            )

        tag = f"run/{run_id}"
        head = commits["handoff"]
        await _land_past_cancel(repo, run_id, head)
        assert state.plan is not None
        return RunOutcome(run_id, repo.project_id, head, tag, state.plan, total_in, total_out, commits)

    # -- stages -------------------------------------------------------------

    async def _build_stage(self, stage: str, state: _State, project_id: str) -> _StageResult:
        builder = {
            "complexity": self._complexity,
            "design": self._design,
            "validation": self._validation,
            "devplan": self._devplan,
            "phases": self._phases,
            "handoff": self._handoff,
        }[stage]
        return await builder(state, project_id)

    def _values(self, state: _State) -> dict[str, Any]:
        assert state.complexity is not None
        return {
            "project_name": state.interview.project_name,
            "interview": to_json(state.interview.to_dict()),
            "complexity": to_json(state.complexity.to_dict()),
            "depth": state.complexity.depth,
            "phase_count": state.complexity.phase_count,
        }

    def _context(self, state: _State, **more: Any) -> dict[str, Any]:
        ctx: dict[str, Any] = {"interview": state.interview.to_dict()}
        if state.complexity is not None:
            ctx["complexity"] = state.complexity.to_dict()
        if state.design is not None:
            ctx["design"] = state.design
        ctx.update(more)
        return ctx

    async def _complexity(self, state: _State, project_id: str) -> _StageResult:
        base = score_complexity(state.interview)
        profile, tin, tout, model = base, 0, 0, ""
        if self._refine:
            messages = build_messages(
                "complexity",
                {"profile": to_json(base.to_dict()), "interview": to_json(state.interview.to_dict())},
            )
            try:
                answer = await ask(
                    self._client,
                    stage="complexity",
                    messages=messages,
                    context={"interview": state.interview.to_dict(), "profile": base.to_dict()},
                    parse=lambda text: parse_complexity_refinement(text, base),
                    attempts=self._attempts,
                    json_mode=True,
                )
            except InvalidLLMOutputError as exc:
                # Refinement is optional: the rubric's own profile stands, and says so.
                profile = replace(
                    base,
                    rationale=f"{base.rationale} (The model's refinement was not usable and was "
                    f"ignored: {exc.user_message})",
                )
            else:
                profile, tin, tout, model = answer.value, answer.tokens_in, answer.tokens_out, answer.model
        state.complexity = profile
        text = json.dumps(profile.to_dict(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
        return _StageResult(
            {"complexity_profile.json": text},
            f"complexity: score {profile.score:g}, {profile.phase_count} phases ({profile.depth})",
            tin,
            tout,
            model,
        )

    async def _design(self, state: _State, project_id: str) -> _StageResult:
        answer = await ask(
            self._client,
            stage="design",
            messages=build_messages("design", self._values(state)),
            context=self._context(state),
            parse=parse_design,
            attempts=self._attempts,
        )
        state.design = answer.value
        files: dict[str, str | None] = {"project_design.md": render_design(state.interview, answer.value)}
        return _StageResult(files, "design: generate project design", answer.tokens_in, answer.tokens_out, answer.model)

    async def _validation(self, state: _State, project_id: str) -> _StageResult:
        assert state.design is not None
        tin = tout = 0
        model = ""
        revised = False
        result = None
        earlier: list[Any] = []
        for round_no in range(1, VALIDATION_ROUNDS + 1):
            answer = await ask(
                self._client,
                stage="validation",
                messages=build_messages("validation", {**self._values(state), "design": state.design}),
                context=self._context(state),
                parse=parse_validation,
                attempts=self._attempts,
            )
            tin, tout, model = tin + answer.tokens_in, tout + answer.tokens_out, answer.model
            result = answer.value
            if result.approved or round_no == VALIDATION_ROUNDS:
                break
            earlier.append(result)
            issues = "\n".join(f"- {issue}" for issue in result.issues) or result.review
            fix = await ask(
                self._client,
                stage="design-revision",
                messages=build_messages(
                    "design_revision", {**self._values(state), "design": state.design, "issues": issues}
                ),
                context=self._context(state, issues=list(result.issues)),
                parse=parse_design,
                attempts=self._attempts,
            )
            tin, tout = tin + fix.tokens_in, tout + fix.tokens_out
            state.design = fix.value
            revised = True
        assert result is not None
        files: dict[str, str | None] = {
            "validation_report.md": render_validation_report(result, round_no, earlier=earlier)
        }
        if revised:
            files["project_design.md"] = render_design(state.interview, state.design)
        verdict = "approved" if result.approved else "not approved"
        return _StageResult(files, f"validation: review design ({verdict}, {round_no} round(s))", tin, tout, model)

    async def _devplan(self, state: _State, project_id: str) -> _StageResult:
        assert state.complexity is not None and state.design is not None
        count = state.complexity.phase_count
        answer = await ask(
            self._client,
            stage="devplan",
            messages=build_messages("devplan", {**self._values(state), "design": state.design}),
            context=self._context(state),
            parse=lambda text: parse_devplan_outline(text, expected_phases=count),
            attempts=self._attempts,
        )
        state.outline = answer.value
        plan = self._plan(state, project_id, [Phase(o.number, o.title, o.summary, ()) for o in answer.value])
        return _StageResult(
            {"devplan.md": render_devplan(plan)},
            f"devplan: outline {len(answer.value)} phases",
            answer.tokens_in,
            answer.tokens_out,
            answer.model,
        )

    async def _phases(self, state: _State, project_id: str) -> _StageResult:
        assert state.complexity is not None and state.design is not None
        outline_text = "\n".join(f"{o.number}. {o.title}: {o.summary}" for o in state.outline)
        limit = asyncio.Semaphore(self._max_phases)

        async def detail(o: PhaseOutline) -> tuple[Phase, int, int, str]:
            async with limit:
                answer = await ask(
                    self._client,
                    stage="phase",
                    messages=build_messages(
                        "phase",
                        {
                            **self._values(state),
                            "design": state.design,
                            "phase_number": o.number,
                            "phase_title": o.title,
                            "phase_summary": o.summary,
                            "phase_count": len(state.outline),
                            "outline": outline_text,
                        },
                    ),
                    context=self._context(
                        state,
                        phase={"number": o.number, "title": o.title, "summary": o.summary},
                        phase_count=len(state.outline),
                    ),
                    parse=lambda text: parse_phase_tasks(text, o.number),
                    attempts=self._attempts,
                )
            phase = Phase(o.number, o.title, o.summary, answer.value)
            return phase, answer.tokens_in, answer.tokens_out, answer.model

        # A TaskGroup cancels the other phase requests as soon as one fails, so a
        # failed run stops spending tokens at once.
        try:
            async with asyncio.TaskGroup() as group:
                tasks = [group.create_task(detail(o)) for o in state.outline]
        except ExceptionGroup as failed:
            # Report the first failure itself (a DevussyError the faces know how to show).
            raise failed.exceptions[0] from None
        results = [t.result() for t in tasks]
        phases = [r[0] for r in results]
        plan = self._plan(state, project_id, phases)
        state.plan = plan
        task_count = sum(len(p.tasks) for p in phases)
        return _StageResult(
            dict(render_plan_files(plan)),
            f"phases: detail {len(phases)} phases ({task_count} tasks)",
            sum(r[1] for r in results),
            sum(r[2] for r in results),
            results[0][3] if results else "",
        )

    async def _handoff(self, state: _State, project_id: str) -> _StageResult:
        assert state.plan is not None
        return _StageResult({"handoff.md": render_handoff(state.plan)}, "handoff: write handoff prompt")

    def _plan(self, state: _State, project_id: str, phases: list[Phase]) -> Plan:
        assert state.complexity is not None
        summary = state.interview.answers.get("requirements") or state.interview.project_name
        if isinstance(summary, (list, tuple)):
            summary = "; ".join(str(s) for s in summary)
        return Plan(
            project_id=project_id,
            project_name=state.interview.project_name,
            summary=str(summary),
            phases=tuple(phases),
            complexity=state.complexity,
        )

    # -- git ----------------------------------------------------------------

    def _commit_stage(
        self,
        repo: PlanRepo,
        stage: str,
        run_id: str,
        result: _StageResult,
        author: Identity,
        actor: str,
        expected_head: str | None,
    ) -> CommitInfo:
        trailers = [
            (TRAILER_STAGE, stage),
            (TRAILER_RUN, run_id),
            (TRAILER_MODEL, result.model or self._client.profile.model),
            (TRAILER_TOKENS, f"in={result.tokens_in}, out={result.tokens_out}"),
            (TRAILER_ACTOR, actor),
        ]
        files = dict(result.files)
        if stage == "phases":
            # A plan with fewer phases than the one it replaces drops the extra files.
            for path in repo.list_files(expected_head) if expected_head else []:
                if _PHASE_FILE.fullmatch(path) and path not in files:
                    files[path] = None
        try:
            return repo.commit(
                files,
                result.subject,
                author=author,
                trailers=trailers,
                expected_head=expected_head,
                ref=run_ref(run_id),
                allow_empty=True,
            )
        except HeadMovedError as exc:
            raise HeadMovedError(
                f"Run {run_id} of {repo.project_id} was moved by someone else while it was at the "
                f"{stage} stage; nothing was written for this stage. Resume the run to continue.",
                expected=exc.expected,
                actual=exc.actual,
            ) from exc

    def _load_stage(self, repo: PlanRepo, stage: str, sha: str, state: _State) -> None:
        """Rebuild the in-memory state a committed stage produced (for resume)."""
        if stage == "complexity":
            state.complexity = ComplexityProfile.from_dict(json.loads(repo.read("complexity_profile.json", sha)))
        elif stage in ("design", "validation"):
            state.design = repo.read("project_design.md", sha)
        elif stage == "devplan":
            state.outline = outline_from_devplan(repo.read("devplan.md", sha))
        elif stage in ("phases", "handoff"):
            assert state.complexity is not None
            files = {p: repo.read(p, sha) for p in repo.list_files(sha) if p.endswith(".md")}
            state.plan = read_plan(files, repo.project_id, state.interview, state.complexity)
            state.outline = tuple(PhaseOutline(p.number, p.title, p.summary) for p in state.plan.phases)
