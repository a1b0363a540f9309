"""Pictures of a plan's progress, drawn with matplotlib: the only module that imports it.

matplotlib is imported inside :func:`draw_progress`, when a picture is
drawn, never at import time: a verb that draws nothing (``status`` without
``--chart``, ``log``) must not pay for it. The drawing uses the
object-oriented API (a :class:`~matplotlib.figure.Figure` on an Agg canvas)
and never ``pyplot``: no global figure state, so pictures can be drawn in
threads beside each other and nothing ever opens a window.

Input is the progress history the services read; output is PNG bytes.
Nothing here reads git, writes files or knows a face.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any, Protocol


class PhasePoint(Protocol):
    """One phase at one commit, as drawn (``services.PhaseProgress`` is one)."""

    @property
    def number(self) -> int: ...
    @property
    def title(self) -> str: ...
    @property
    def done(self) -> int: ...
    @property
    def total(self) -> int: ...


class ProgressPoint(Protocol):
    """The plan at one commit, as drawn (``services.ProgressPoint`` is one).

    Described here, not imported: a picture knows nothing of the layer above it.
    """

    @property
    def index(self) -> int: ...
    @property
    def kind(self) -> str: ...
    @property
    def done(self) -> int: ...
    @property
    def total(self) -> int: ...
    @property
    def phases(self) -> Sequence[PhasePoint]: ...
    @property
    def short_sha(self) -> str: ...


__all__ = ["CHART_DPI", "CHART_SIZE_PX", "draw_progress"]

#: Width and height of the picture in pixels: wide enough to read, small enough for
#: a Discord embed image (shown up to ~400 px high without opening it).
CHART_SIZE_PX = (1000, 500)
CHART_DPI = 100
#: Legend entries one column holds at this size; the rubric plans up to 15 phases,
#: which with the overall line, the task count and the reverts make 18.
_LEGEND_ROWS = 24
_TITLE_CHARS = 50
_PHASE_LABEL_CHARS = 26
_OVERALL = "#1f1f1f"
_SCOPE = "#9a9a9a"
_REVERT = "#d62728"


def _cut(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _series(xs: list[int], ys: list[int]) -> tuple[list[int], list[int]]:
    """The values as steps, the last one held for one more commit width: the newest
    value shows as a segment, and a one-point history (a plan with no step yet)
    still draws as a flat line."""
    return [*xs, xs[-1] + 1], [*ys, ys[-1]]


def _colours(count: int) -> list[Any]:
    from matplotlib import colormaps

    # tab20's strong colours first, then their light twins; without its reds,
    # which mark the reverts: 18 colours, more than the rubric's 15 phases.
    tab20 = colormaps["tab20"]
    table = [tab20(i) for i in range(tab20.N)]
    del table[6:8]
    ordered = table[0::2] + table[1::2]
    return [ordered[i % len(ordered)] for i in range(count)]


def draw_progress(name: str, points: Sequence[ProgressPoint]) -> bytes:
    """A PNG of ``points`` (oldest first): one line of tasks done per phase, the overall
    total, the plan's task count, and the reverts marked where the lines drop.

    ``ValueError`` when ``points`` is empty (there is nothing to draw).
    """
    if not points:
        raise ValueError("a progress chart needs at least one point")
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    last = points[-1]
    width, height = CHART_SIZE_PX
    figure = Figure(figsize=(width / CHART_DPI, height / CHART_DPI), dpi=CHART_DPI, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()

    xs = [p.index for p in points]
    numbers = sorted({ph.number for p in points for ph in p.phases})
    titles = {ph.number: ph.title for p in points for ph in p.phases if ph.title}
    done_by_phase = [{ph.number: ph.done for ph in p.phases} for p in points]
    for colour, number in zip(_colours(len(numbers)), numbers, strict=True):
        done = [counts.get(number, 0) for counts in done_by_phase]
        now = next((ph for ph in last.phases if ph.number == number), None)
        count = f" ({now.done}/{now.total})" if now is not None else ""
        label = f"{number}. {_cut(titles.get(number, f'Phase {number}'), _PHASE_LABEL_CHARS)}{count}"
        axes.plot(*_series(xs, done), drawstyle="steps-post", linewidth=1.4, color=colour, label=label)

    totals = [p.total for p in points]
    done_all = [p.done for p in points]
    axes.plot(
        *_series(xs, totals),
        drawstyle="steps-post",
        linewidth=1.0,
        linestyle="--",
        color=_SCOPE,
        label=f"tasks in the plan ({last.total})",
    )
    axes.plot(
        *_series(xs, done_all),
        drawstyle="steps-post",
        linewidth=2.6,
        color=_OVERALL,
        zorder=3,
        label=f"all phases ({last.done}/{last.total})",
    )
    reverts = [i for i, p in enumerate(points) if p.kind == "revert"]
    if reverts:
        # The drop a revert makes is drawn red over the overall line, and each revert
        # gets a marker (smaller when there are many, so they never hide the line).
        drops = [i for i in reverts if i > 0 and done_all[i] < done_all[i - 1]]
        axes.vlines(
            [xs[i] for i in drops],
            [done_all[i] for i in drops],
            [done_all[i - 1] for i in drops],
            colors=_REVERT,
            linewidth=2.6,
            zorder=4,
        )
        size = 36.0 if len(reverts) <= 25 else max(6.0, 900.0 / len(reverts))
        axes.scatter(
            [xs[i] for i in reverts],
            [done_all[i] for i in reverts],
            marker="v",
            s=size,
            color=_REVERT,
            zorder=5,
            label=f"revert ({len(reverts)})",
        )

    figure.suptitle(f"{_cut(name, _TITLE_CHARS)}: {last.done} of {last.total} tasks done", fontsize=13)
    axes.set_xlabel(f"commits on main since the plan was made (head {last.short_sha})")
    axes.set_ylabel("tasks done")
    axes.set_xlim(xs[0], xs[-1] + 1)
    top = max(max(totals), 1) * 1.05
    # A little room below 0, so a line that stays at 0 is not hidden under the axis.
    axes.set_ylim(-top * 0.02, top)
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.grid(True, alpha=0.3)
    entries = len(numbers) + 2 + (1 if reverts else 0)
    axes.legend(
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        fontsize=8,
        frameon=False,
        ncols=1 if entries <= _LEGEND_ROWS else 2,
    )

    out = io.BytesIO()
    # No "Software" stamp: the same history gives the same bytes.
    figure.savefig(out, format="png", metadata={"Software": None})
    return out.getvalue()
