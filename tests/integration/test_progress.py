"""Progress over the history and its chart, on real plan repositories made through the
services (offline provider): steps raise the counts, a revert shows as a drop, every
point counts what ``status`` would count at that commit (read back with the git CLI),
and the chart is a PNG of the promised size whose revert marks appear only when a
revert happened."""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import AsyncIterator
from pathlib import Path

import numpy as np
import pytest
from matplotlib.image import imread

from devussy_git import services
from devussy_git.app import App, build_app
from devussy_git.charts import CHART_SIZE_PX
from devussy_git.errors import InvalidInputError, NotFoundError
from devussy_git.plan.files import phase_files, plan_progress, read_phases
from tests.integration.pipeline.conftest import ANSWERS_FILE, make_settings
from tests.support.gitcli import git, trailers_of

ACTOR = services.Actor("cli", "dora", "Dora", "dora@example.invalid")
GUILD, OTHER_GUILD = 1_000_000_000_000_000_001, 1_000_000_000_000_000_002
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
REVERT_RGB = np.array([214, 39, 40])


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[App]:
    built = await build_app(make_settings(tmp_path))
    try:
        yield built
    finally:
        await built.close()


async def planned(app: App, project_id: str, *, guild_id: int | None = None) -> Path:
    answers = json.loads(ANSWERS_FILE.read_text())
    await services.create_project(app, project_id, answers, actor=ACTOR, guild_id=guild_id)
    await services.run_project(app, project_id, actor=ACTOR)
    return app.store.path_of(project_id)


async def with_steps_and_a_revert(app: App, project_id: str) -> Path:
    """handoff, three steps, the third reverted, one more step."""
    path = await planned(app, project_id)
    for _ in range(3):
        await services.handoff_next(app, project_id, actor=ACTOR)
    await services.revert(app, project_id, actor=ACTOR)
    await services.handoff_next(app, project_id, actor=ACTOR)
    return path


def plan_files(repo: Path, sha: str) -> dict[str, str]:
    """The ``.md`` files of a commit, read with the git CLI."""
    names = git(repo, "ls-tree", "--name-only", sha).split()
    return {name: git(repo, "show", f"{sha}:{name}") for name in names if name.endswith(".md")}


def revert_pixels(png: bytes) -> int:
    rgb = (imread(io.BytesIO(png))[:, :, :3] * 255).round()
    return int((np.abs(rgb - REVERT_RGB).max(axis=2) <= 25).sum())


async def test_steps_raise_the_counts_and_a_revert_drops_them(app: App) -> None:
    repo = await with_steps_and_a_revert(app, "shop")
    points = await services.progress_history(app, "shop")

    assert [p.kind for p in points] == ["stage", "step", "step", "step", "revert", "step"]
    assert [p.done for p in points] == [0, 1, 2, 3, 2, 3]
    assert [p.index for p in points] == list(range(6))
    assert points[0].subject == "handoff: write handoff prompt"
    # The revert undid the third step's task: that phase drops by one, no other moves.
    third, undone = points[3], points[4]
    assert undone.task == third.task is not None
    moved = {b.number: a.done - b.done for a, b in zip(third.phases, undone.phases, strict=True) if a.done != b.done}
    assert moved == {int(third.task.split(".")[0]): 1}
    assert {p.total for p in points} == {points[0].total} and points[0].total > 3

    # One point per commit of main's first-parent line, from the commit that wrote handoff.md.
    line = git(repo, "log", "--first-parent", "--reverse", "--format=%H", "main").split()
    assert [p.sha for p in points] == line[line.index(points[0].sha) :]
    assert git(repo, "log", "-1", "--format=%s", f"{points[0].sha}~1").strip().startswith("phases:")
    for point in points:
        trailers = trailers_of(repo, point.sha)
        assert point.step == (int(trailers["Devussy-Step"]) if "Devussy-Step" in trailers else None)
        assert point.task == trailers.get("Devussy-Task")
        assert point.short_sha == point.sha[:7]


async def test_every_point_counts_what_status_counts_at_that_commit(app: App) -> None:
    repo = await with_steps_and_a_revert(app, "shop")
    points = await services.progress_history(app, "shop")
    for point in points:
        files = plan_files(repo, point.sha)
        expected = plan_progress(files)
        phases = read_phases(files)
        assert (point.done, point.total) == (expected.done, expected.total)
        assert [(p.number, p.title, p.done, p.total) for p in point.phases] == [
            (p.number, p.title, sum(t.done for t in p.tasks), len(p.tasks)) for p in phases
        ]
        assert len(point.phases) == len(phase_files(files)) > 1
    status = await services.project_status(app, "shop")
    assert status.progress is not None
    assert (points[-1].done, points[-1].total) == (status.progress.done, status.progress.total)


async def test_limit_keeps_the_newest_points_with_their_indexes(app: App) -> None:
    await with_steps_and_a_revert(app, "shop")
    everything = await services.progress_history(app, "shop", limit=None)
    assert await services.progress_history(app, "shop", limit=2) == everything[-2:]
    assert await services.progress_history(app, "shop") == everything
    for bad in (0, -1):
        with pytest.raises(InvalidInputError, match="at least 1"):
            await services.progress_history(app, "shop", limit=bad)


async def test_a_project_without_a_plan_has_no_points_and_no_chart(app: App) -> None:
    answers = json.loads(ANSWERS_FILE.read_text())
    await services.create_project(app, "fresh", answers, actor=ACTOR)
    assert await services.progress_history(app, "fresh") == []
    with pytest.raises(NotFoundError) as caught:
        await services.progress_chart(app, "fresh")
    assert "no plan yet" in caught.value.user_message
    assert "devussy-git run fresh" in caught.value.user_message


async def test_another_guild_sees_neither_history_nor_chart(app: App) -> None:
    await planned(app, "shop", guild_id=GUILD)
    assert len(await services.progress_history(app, "shop", guild_id=GUILD)) == 1
    with pytest.raises(NotFoundError):
        await services.progress_history(app, "shop", guild_id=OTHER_GUILD)
    with pytest.raises(NotFoundError):
        await services.progress_chart(app, "shop", guild_id=OTHER_GUILD)


async def test_the_chart_is_a_png_of_the_promised_size_with_reverts_marked(app: App) -> None:
    await planned(app, "calm")
    calm = await services.progress_chart(app, "calm")  # a plan, no step yet: still drawn
    await with_steps_and_a_revert(app, "shop")
    shop = await services.progress_chart(app, "shop")

    width, height = CHART_SIZE_PX
    for png in (calm, shop):
        assert png.startswith(PNG_MAGIC)
        image = imread(io.BytesIO(png))
        assert image.shape[:2] == (height, width)
        assert len(np.unique(image.reshape(-1, image.shape[2]), axis=0)) > 20  # drawn, not blank
    assert revert_pixels(calm) == 0
    assert revert_pixels(shop) > 40


async def test_charts_drawn_in_threads_at_once_equal_one_drawn_alone(app: App) -> None:
    await with_steps_and_a_revert(app, "shop")
    alone = await services.progress_chart(app, "shop")
    together = await asyncio.gather(*(services.progress_chart(app, "shop") for _ in range(4)))
    assert together == [alone] * 4
