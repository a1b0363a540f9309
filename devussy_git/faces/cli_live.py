"""Live progress of a run on a terminal (rich): one line per stage, redrawn in place.

Each stage shows its state, the seconds it took (counting while it runs) and its
tokens; a last line sums them. Off a terminal the CLI prints plain lines instead
(:func:`~devussy_git.faces.cli_output.format_progress`), so logs and pipes stay
readable. rich is imported only here, when a run starts on a terminal.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from types import TracebackType
from typing import Any

__all__ = ["LiveRunProgress"]

_STYLE = {"started": "yellow", "completed": "green", "skipped": "cyan", "failed": "bold red"}
_MARK = {"started": "…", "completed": "✓", "skipped": "↷", "failed": "✗"}


@dataclass
class _Row:
    state: str
    started: float
    elapsed: float | None = None
    tokens_in: int = 0
    tokens_out: int = 0
    detail: str = ""


class LiveRunProgress:
    """``with LiveRunProgress(project) as live: ... live.update(event)``."""

    def __init__(self, project_id: str, console: Any = None) -> None:
        from rich.console import Console
        from rich.live import Live

        self._project = project_id
        self._rows: dict[str, _Row] = {}
        self._began = time.monotonic()
        self._console = console or Console()
        self._live = Live(self, console=self._console, refresh_per_second=8, transient=False)

    def __enter__(self) -> LiveRunProgress:
        self._live.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._live.refresh()
        self._live.stop()

    def update(self, event: Any) -> None:
        """Take one progress event of the run."""
        now = time.monotonic()
        row = self._rows.get(event.stage)
        if row is None:
            row = self._rows[event.stage] = _Row(event.state, now)
        row.state = event.state
        if event.state != "started":
            row.elapsed = now - row.started
            row.tokens_in, row.tokens_out = event.tokens_in, event.tokens_out
            row.detail = event.detail if event.state == "failed" else ""
        self._live.refresh()

    def __rich__(self) -> Any:
        from rich.table import Table

        table = Table(box=None, show_header=True, header_style="bold", pad_edge=False)
        table.add_column("stage")
        table.add_column("state")
        table.add_column("time", justify="right")
        table.add_column("tokens in/out", justify="right")
        table.add_column("")
        now = time.monotonic()
        for stage, row in self._rows.items():
            seconds = row.elapsed if row.elapsed is not None else now - row.started
            tokens = f"{row.tokens_in}/{row.tokens_out}" if row.tokens_in or row.tokens_out else ""
            style = _STYLE.get(row.state, "")
            table.add_row(
                stage,
                f"[{style}]{_MARK.get(row.state, '·')} {row.state}[/]",
                f"{seconds:.1f}s",
                tokens,
                row.detail,
            )
        total_in = sum(r.tokens_in for r in self._rows.values())
        total_out = sum(r.tokens_out for r in self._rows.values())
        table.add_row(
            f"[bold]{self._project}[/]",
            "",
            f"[bold]{now - self._began:.1f}s[/]",
            f"[bold]{total_in}/{total_out}[/]",
            "",
        )
        return table
