"""Archiving: a project made read-only by a marker file in its repository.

``<repo>/devussy-archived.json`` records who archived the project and when.
It lives in the repository itself (not in the state database) so that the
one place every write passes through can enforce it: a ref never moves in
an archived repository (:meth:`RepoCore._move_ref` checks the marker inside
the writer lock), whichever face, process or runner asked. The marker is
written and removed under the same lock, atomically (write, then rename).
Reading, cloning and housekeeping (packing, pruning old proposals) go on.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime

from devussy_git.errors import StoreError

from .core import ARCHIVE_MARKER, RepoCore
from .locking import writer_lock

__all__ = ["ArchiveMark", "ArchiveMixin"]


@dataclass(frozen=True)
class ArchiveMark:
    """When and by whom a project was archived."""

    archived_at: datetime
    by: str


class ArchiveMixin(RepoCore):
    """Archive vocabulary of :class:`PlanRepo`."""

    def archived(self) -> ArchiveMark | None:
        """The archive mark, or ``None`` when the project is not archived."""
        path = self.path / ARCHIVE_MARKER
        try:
            raw = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise StoreError("The plan store could not read the archive mark.", detail=str(exc)) from exc
        try:
            data = json.loads(raw)
            return ArchiveMark(datetime.fromisoformat(data["archived_at"]), str(data["by"]))
        except (ValueError, KeyError, TypeError):
            # A damaged mark still archives: read-only is the safe reading.
            return ArchiveMark(datetime.fromtimestamp(path.stat().st_mtime, UTC), "unknown")

    def archive(self, by: str, *, now: datetime | None = None) -> ArchiveMark:
        """Make the project read-only; archiving an archived project keeps its first mark."""
        with writer_lock(self.path, self._policy):
            found = self.archived()
            if found is not None:
                return found
            mark = ArchiveMark(now or datetime.now(UTC), by)
            body = json.dumps({"archived_at": mark.archived_at.isoformat(), "by": mark.by})
            tmp = self.path / (ARCHIVE_MARKER + ".tmp")
            try:
                tmp.write_text(body + "\n", encoding="utf-8")
                os.replace(tmp, self.path / ARCHIVE_MARKER)
            except OSError as exc:
                tmp.unlink(missing_ok=True)
                raise StoreError("The plan store could not archive the project.", detail=str(exc)) from exc
            return mark

    def unarchive(self) -> bool:
        """Make the project writable again; ``False`` when it was not archived."""
        with writer_lock(self.path, self._policy):
            try:
                (self.path / ARCHIVE_MARKER).unlink()
            except FileNotFoundError:
                return False
            except OSError as exc:
                raise StoreError("The plan store could not restore the project.", detail=str(exc)) from exc
            return True
