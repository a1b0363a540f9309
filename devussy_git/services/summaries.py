"""What a finished run produced, for a face's summary message."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from devussy_git.app import App

__all__ = ["RunSummary", "local_run_summary", "summarise_run"]


@dataclass(frozen=True)
class RunSummary:
    """What a finished run produced, for the summary message."""

    project_id: str
    run_id: str
    score: float | None
    depth: str | None
    phase_count: int
    phases: tuple[tuple[int, str], ...]
    risks: tuple[str, ...]
    devplan: str
    handoff: str


_PHASE_FILE = re.compile(r"phase(\d+)\.md")
_PHASE_TITLE = re.compile(r"^#\s+Phase\s+\d+\s*:\s*(.+?)\s*$", re.MULTILINE)


def summarise_run(project_id: str, run_id: str, files: Mapping[str, str]) -> RunSummary:
    """Build a :class:`RunSummary` from the plan files at the run's commit."""
    try:
        profile: dict[str, Any] = json.loads(files.get("complexity_profile.json", "{}"))
    except json.JSONDecodeError:
        profile = {}
    if not isinstance(profile, dict):
        profile = {}
    phases: list[tuple[int, str]] = []
    for path, text in files.items():
        match = _PHASE_FILE.fullmatch(path)
        if match:
            title = _PHASE_TITLE.search(text)
            phases.append((int(match.group(1)), title.group(1) if title else f"Phase {match.group(1)}"))
    phases.sort()
    score = profile.get("score")
    risks = profile.get("risks")
    return RunSummary(
        project_id=project_id,
        run_id=run_id,
        score=float(score) if isinstance(score, int | float) and not isinstance(score, bool) else None,
        depth=profile.get("depth") if isinstance(profile.get("depth"), str) else None,
        phase_count=len(phases),
        phases=tuple(phases),
        risks=tuple(str(r) for r in risks) if isinstance(risks, list) else (),
        devplan=files.get("devplan.md", ""),
        handoff=files.get("handoff.md", ""),
    )


def _summary_paths(paths: list[str]) -> list[str]:
    wanted = {"complexity_profile.json", "devplan.md", "handoff.md"}
    return [p for p in paths if p in wanted or _PHASE_FILE.fullmatch(p)]


async def local_run_summary(app: App, project_id: str, run_id: str, rev: str) -> RunSummary:
    """:func:`summarise_run` of the files of this process's store at ``rev``."""
    repo = await asyncio.to_thread(app.store.open, project_id)

    def read() -> dict[str, str]:
        return repo.read_many(_summary_paths(repo.list_files(rev)), rev)

    return summarise_run(project_id, run_id, await asyncio.to_thread(read))
