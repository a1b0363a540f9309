"""Tracking a run's progress for the one message the bot keeps editing.

:class:`RunProgress` is a snapshot (what the message shows); :class:`ProgressTracker`
folds pipeline progress events or runner status polls into snapshots and
decides when an edit is worth sending (Discord rate-limits edits, so they are
spaced by ``min_interval_s`` except for the last). Pure: no discord import,
no I/O; the clock is passed in.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from devussy_git.services import STAGES

__all__ = ["ProgressTracker", "RunProgress", "StageLine"]


@dataclass(frozen=True)
class StageLine:
    name: str
    #: ``pending`` | ``running`` | ``completed`` | ``skipped`` | ``failed``.
    state: str
    seconds: float | None = None


@dataclass(frozen=True)
class RunProgress:
    run_id: str
    project_id: str
    stages: tuple[StageLine, ...]
    elapsed_s: float = 0.0
    tokens_in: int = 0
    tokens_out: int = 0
    #: Set when the run failed: the stage and error shown.
    error: str | None = None

    @property
    def current(self) -> str | None:
        return next((s.name for s in self.stages if s.state == "running"), None)

    @property
    def done(self) -> int:
        return sum(1 for s in self.stages if s.state in ("completed", "skipped"))


@dataclass
class ProgressTracker:
    """Accumulates events for one run; ``min_interval_s`` spaces the edits."""

    run_id: str
    project_id: str
    min_interval_s: float = 1.5
    _stages: dict[str, StageLine] = field(default_factory=dict)
    _started: dict[str, float] = field(default_factory=dict)
    _elapsed: float = 0.0
    _tokens: tuple[int, int] = (0, 0)
    _error: str | None = None
    _last_edit: float | None = None

    def __post_init__(self) -> None:
        self._stages = {name: StageLine(name, "pending") for name in STAGES}

    def event(
        self, stage: str, state: str, elapsed_s: float, tokens_in: int = 0, tokens_out: int = 0, detail: str = ""
    ) -> None:
        """Fold one pipeline :class:`~devussy_git.pipeline.ProgressEvent`."""
        self._elapsed = max(self._elapsed, elapsed_s)
        line = self._stages.get(stage, StageLine(stage, "pending"))
        if state == "started":
            self._started[stage] = elapsed_s
            self._stages[stage] = replace(line, state="running")
            return
        began = self._started.get(stage)
        seconds = None if began is None else max(0.0, elapsed_s - began)
        self._stages[stage] = StageLine(stage, state, seconds)
        if state in ("completed", "skipped"):
            self._tokens = (self._tokens[0] + tokens_in, self._tokens[1] + tokens_out)
        elif state == "failed":
            self._error = f"{stage}: {detail}" if detail else f"{stage} failed"

    def status(self, stages: list[tuple[str, str]], elapsed_s: float, error: str | None = None) -> None:
        """Fold one runner status poll: ``(name, state)`` per stage."""
        self._elapsed = max(self._elapsed, elapsed_s)
        for name, state in stages:
            self._stages[name] = StageLine(name, state, self._stages.get(name, StageLine(name, "")).seconds)
        if error:
            self._error = error

    def snapshot(self) -> RunProgress:
        return RunProgress(
            run_id=self.run_id,
            project_id=self.project_id,
            stages=tuple(self._stages.values()),
            elapsed_s=self._elapsed,
            tokens_in=self._tokens[0],
            tokens_out=self._tokens[1],
            error=self._error,
        )

    def should_edit(self, now: float, *, final: bool = False) -> bool:
        """Whether to edit the message now; records the edit when yes."""
        if final or self._last_edit is None or now - self._last_edit >= self.min_interval_s:
            self._last_edit = now
            return True
        return False
