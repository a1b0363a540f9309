"""The state database for a command that mostly reads it, without SQLAlchemy when it can.

A CLI process that looks a project up and reads its newest run spends most of its
time importing SQLAlchemy. :func:`open_light` answers those reads (projects, the
newest run of a project, one run) with the standard library's :mod:`sqlite3` when
the database is a SQLite file that the full :class:`~devussy_git.db.database.Database`
has already opened and stamped with the current schema (``PRAGMA user_version``, see
:func:`~devussy_git.db.schema.schema_mark`). Anything else it is asked opens the full
database on first use and goes there, so callers get the same records, errors and
behaviour either way.

Everything that is not that simple case gets the full database at once: PostgreSQL,
an in-memory or URI SQLite database, a URL with a query string, a file that does not
exist yet or was not stamped with this schema (the full open creates and checks it),
and a database holding an active run whose process died (the full open marks it failed).

Each read is one transaction (``BEGIN`` ... ``COMMIT``): a run and its stages come from
one snapshot even while other processes write. This module never writes and must never
import SQLAlchemy at import time.

About 400 lines in one module on purpose: the reader, its row-to-record mapping and the
fall-back to the full database must change together with the schema they mirror.
"""

from __future__ import annotations

import asyncio
import os
import re
import sqlite3
import threading
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar

from devussy_git.db.owners import is_owner_alive
from devussy_git.db.records import ProjectRecord, RunRecord, StageRecord
from devussy_git.errors import ConfigurationError, DatabaseUnavailableError, DevussyError
from devussy_git.stages import ACTIVE_RUN_STATES

if TYPE_CHECKING:
    from devussy_git.db.database import Database

__all__ = ["SCHEMA_MARK", "LightDatabase", "open_light", "sqlite_file_of"]

#: ``PRAGMA user_version`` of a SQLite database whose schema this code reads: the
#: value of :func:`devussy_git.db.schema.schema_mark` (a unit test keeps them equal).
SCHEMA_MARK = 372420220

#: How long a read waits for a writer that locks the file (as ``engine.BUSY_TIMEOUT_MS``).
BUSY_TIMEOUT_S = 15.0

#: SQLite's words for a file that is not (or no longer) a database (as in ``engine``).
_DAMAGED = ("file is not a database", "database disk image is malformed")

# Only the plain file form: no query string, no percent-escapes, no URI filename.
_PLAIN_SQLITE_URL = re.compile(r"sqlite(?:\+aiosqlite)?:///(?P<path>[^?%#]+)")

_PROJECT_COLUMNS = "project_id, name, guild_id, thread_id, created_by, created_at, node"
_RUN_COLUMNS = (
    "run_id, project_id, state, stage, provider, model, actor, error, resumable, "
    "created_at, started_at, finished_at, guild_id, owner, cancel_requested"
)
_STAGE_COLUMNS = 'run_id, name, state, "commit", started_at, finished_at, error, tokens_in, tokens_out'

T = TypeVar("T")


def sqlite_file_of(url: str) -> str | None:
    """The absolute path of the SQLite file ``url`` names, or ``None`` for any other URL.

    The path is the one the full database connects to (SQLAlchemy's pysqlite dialect
    makes it absolute against the working directory).
    """
    match = _PLAIN_SQLITE_URL.fullmatch(url)
    if match is None:
        return None
    path = match["path"]
    if path == ":memory:" or path.startswith("file:"):
        return None
    return os.path.abspath(path)


def _when(value: str | None) -> datetime | None:
    # Stored as naive UTC text by SQLAlchemy's SQLite DateTime ("YYYY-MM-DD HH:MM:SS.ffffff").
    return None if value is None else datetime.fromisoformat(value).replace(tzinfo=UTC)


def _project(row: Sequence[Any]) -> ProjectRecord:
    project_id, name, guild_id, thread_id, created_by, created_at, node = row
    created = _when(created_at)
    assert created is not None  # NOT NULL in the schema
    return ProjectRecord(project_id, name, guild_id, thread_id, created_by, created, node)


def _stage(row: Sequence[Any]) -> StageRecord:
    _run_id, name, state, commit, started_at, finished_at, error, tokens_in, tokens_out = row
    return StageRecord(
        name=name,
        state=state,
        commit=commit,
        started_at=_when(started_at),
        finished_at=_when(finished_at),
        error=error,
        tokens_in=tokens_in,
        tokens_out=tokens_out,
    )


def _run(row: Sequence[Any], stages: Sequence[StageRecord]) -> RunRecord:
    (
        run_id,
        project_id,
        state,
        stage,
        provider,
        model,
        actor,
        error,
        resumable,
        created_at,
        started_at,
        finished_at,
        guild_id,
        owner,
        cancel_requested,
    ) = row
    done = [s for s in stages if s.state == "completed"]
    created = _when(created_at)
    assert created is not None  # NOT NULL in the schema
    return RunRecord(
        run_id=run_id,
        project_id=project_id,
        state=state,
        stage=stage,
        provider=provider,
        model=model,
        actor=actor,
        error=error,
        resumable=bool(resumable),
        created_at=created,
        started_at=_when(started_at),
        finished_at=_when(finished_at),
        stages=tuple(stages),
        guild_id=guild_id,
        owner=owner,
        cancel_requested=bool(cancel_requested),
        tokens_in=sum(s.tokens_in for s in done),
        tokens_out=sum(s.tokens_out for s in done),
    )


def _runs(cursor: sqlite3.Cursor, where: str, params: Sequence[Any]) -> list[RunRecord]:
    rows = cursor.execute(f"SELECT {_RUN_COLUMNS} FROM runs WHERE {where} ORDER BY seq DESC", params).fetchall()
    if not rows:
        return []
    ids = [row[0] for row in rows]
    marks = ", ".join("?" * len(ids))
    by_run: dict[str, list[StageRecord]] = {run_id: [] for run_id in ids}
    for stage_row in cursor.execute(
        f"SELECT {_STAGE_COLUMNS} FROM run_stages WHERE run_id IN ({marks}) ORDER BY run_id, position",
        ids,
    ):
        by_run[stage_row[0]].append(_stage(stage_row))
    return [_run(row, by_run[row[0]]) for row in rows]


class _Reader:
    """One sqlite3 connection; each call is one read transaction, run off the event loop."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._connection = connection
        self._lock = threading.Lock()

    def read_now(self, read: Callable[[sqlite3.Cursor], T]) -> T:
        with self._lock:
            cursor = self._connection.cursor()
            try:
                cursor.execute("BEGIN")
                try:
                    return read(cursor)
                finally:
                    cursor.execute("COMMIT")
            except sqlite3.Error as exc:
                raise _translated(exc) from exc
            finally:
                cursor.close()

    async def read(self, read: Callable[[sqlite3.Cursor], T]) -> T:
        return await asyncio.to_thread(self.read_now, read)

    def close(self) -> None:
        with self._lock:
            self._connection.close()


def _translated(exc: sqlite3.Error) -> DevussyError:
    """The error the full database's gateway raises for the same failure."""
    detail = f"{type(exc).__name__}: {exc}"
    detail = detail if len(detail) <= 500 else detail[:497] + "..."
    if any(sign in detail for sign in _DAMAGED):
        return ConfigurationError("the state database file is damaged or is not a database", detail=detail)
    return DatabaseUnavailableError("the state database failed; try again", detail=detail)


class _Deferred:
    """A repository of the full database, opened on the first call of one of its methods."""

    def __init__(self, owner: LightDatabase, name: str) -> None:
        self._owner = owner
        self._name = name

    def __getattr__(self, method: str) -> Callable[..., Any]:
        if method.startswith("_"):
            raise AttributeError(method)

        async def call(*args: Any, **kwargs: Any) -> Any:
            full = await self._owner.full()
            return await getattr(getattr(full, self._name), method)(*args, **kwargs)

        call.__name__ = method
        return call


class _Projects(_Deferred):
    async def get(self, project_id: str) -> ProjectRecord | None:
        """The project, or ``None`` when unknown."""

        def read(cursor: sqlite3.Cursor) -> ProjectRecord | None:
            row = cursor.execute(
                f"SELECT {_PROJECT_COLUMNS} FROM projects WHERE project_id = ?", (project_id,)
            ).fetchone()
            return None if row is None else _project(row)

        return await self._owner.reader.read(read)

    async def get_in_guild(self, project_id: str, guild_id: int | None) -> ProjectRecord | None:
        """The project if it belongs to ``guild_id`` (``None``: no guild), else ``None``."""

        def read(cursor: sqlite3.Cursor) -> ProjectRecord | None:
            row = cursor.execute(
                f"SELECT {_PROJECT_COLUMNS} FROM projects WHERE project_id = ? AND guild_id IS ?",
                (project_id, guild_id),
            ).fetchone()
            return None if row is None else _project(row)

        return await self._owner.reader.read(read)

    async def list(self, *args: Any, **kwargs: Any) -> list[ProjectRecord]:
        """Every project ordered by id; with a guild, prefix or limit, the full database answers."""
        if args or kwargs:
            full = await self._owner.full()
            return await full.projects.list(*args, **kwargs)

        def read(cursor: sqlite3.Cursor) -> list[ProjectRecord]:
            rows = cursor.execute(f"SELECT {_PROJECT_COLUMNS} FROM projects ORDER BY project_id")
            return [_project(row) for row in rows]

        return await self._owner.reader.read(read)


class _Runs(_Deferred):
    async def get(self, run_id: str) -> RunRecord | None:
        """The run, or ``None`` when unknown."""
        found = await self._owner.reader.read(lambda cursor: _runs(cursor, "run_id = ?", (run_id,)))
        return found[0] if found else None

    async def latest(self, project_id: str) -> RunRecord | None:
        """The project's newest run, or ``None``."""

        def read(cursor: sqlite3.Cursor) -> list[RunRecord]:
            newest = cursor.execute(
                "SELECT seq FROM runs WHERE project_id = ? ORDER BY seq DESC LIMIT 1", (project_id,)
            ).fetchone()
            return [] if newest is None else _runs(cursor, "seq = ?", newest)

        found = await self._owner.reader.read(read)
        return found[0] if found else None


class LightDatabase:
    """The state database's read side over :mod:`sqlite3`; the rest opens the full one.

    It has the attributes of :class:`~devussy_git.db.database.Database` that callers use.
    """

    def __init__(
        self,
        reader: _Reader,
        url: str,
        open_full: Callable[[], Any],
        clock: Callable[[], datetime],
    ) -> None:
        self.reader = reader
        #: The URL in use (a plain SQLite file URL carries no password).
        self.url = url
        self._open_full = open_full
        self._clock = clock
        self._full: Database | None = None
        self._opening = asyncio.Lock()
        self._closed = False
        #: Runs failed at open because their process had died: none, or the full database opened.
        self.orphans: tuple[str, ...] = ()
        self.projects = _Projects(self, "projects")
        self.runs = _Runs(self, "runs")
        self.guilds = _Deferred(self, "guilds")
        self.interviews = _Deferred(self, "interviews")
        self.profiles = _Deferred(self, "profiles")
        self.state = _Deferred(self, "state")
        self.huds = _Deferred(self, "huds")
        self.nodes = _Deferred(self, "nodes")

    @property
    def dialect(self) -> str:
        return "sqlite"

    @property
    def is_full(self) -> bool:
        """Whether something opened the full database (SQLAlchemy) in this process."""
        return self._full is not None

    def now(self) -> datetime:
        """The time to stamp on a change (aware UTC), from the clock the full database uses too."""
        return self._clock().astimezone(UTC)

    async def full(self) -> Database:
        """The full database, opened (with its schema check) on first use."""
        if self._closed:
            raise DatabaseUnavailableError("the state database is closed")
        async with self._opening:
            if self._full is None:
                self._full = await self._open_full()
        return self._full

    async def ping(self, timeout_s: float = 5.0) -> bool:
        """Whether the database answers a trivial query within ``timeout_s``."""
        if self._closed:
            return False
        try:
            async with asyncio.timeout(timeout_s):
                await self.reader.read(lambda cursor: cursor.execute("SELECT 1").fetchone())
        except (ConfigurationError, DatabaseUnavailableError, OSError):
            return False
        return True

    async def close(self) -> None:
        """Close the connection (and the full database if it was opened)."""
        if self._closed:
            return
        self._closed = True
        self.reader.close()
        if self._full is not None:
            await self._full.close()


def _open_reader(path: str, is_alive: Callable[[str], bool]) -> _Reader | None:
    """A reader on ``path`` when it is stamped with this schema and no active run is orphaned."""
    if not os.path.isfile(path):
        return None  # the full open creates it
    try:
        connection = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False)
    except sqlite3.Error:
        return None
    reader = _Reader(connection)

    def check(cursor: sqlite3.Cursor) -> bool:
        (mark,) = cursor.execute("PRAGMA user_version").fetchone()
        if mark != SCHEMA_MARK:
            return False
        states = ", ".join("?" * len(ACTIVE_RUN_STATES))
        owners = {
            owner for (owner,) in cursor.execute(f"SELECT owner FROM runs WHERE state IN ({states})", ACTIVE_RUN_STATES)
        }
        return all(is_alive(owner) for owner in owners)

    try:
        usable = reader.read_now(check)
    except (ConfigurationError, DatabaseUnavailableError):
        usable = False  # damaged, locked, not a database: the full open says so properly
    if not usable:
        reader.close()
        return None
    return reader


async def open_light(
    url: str,
    *,
    is_alive: Callable[[str], bool] | None = None,
    clock: Callable[[], datetime] | None = None,
) -> Any:
    """A :class:`LightDatabase` for a current SQLite file, else the full ``Database``.

    Same arguments and errors as :meth:`Database.open`, which it calls when the
    light way does not apply and when a caller first asks for anything it does
    not read itself.
    """
    alive = is_alive or is_owner_alive

    async def open_full() -> Database:
        from devussy_git.db.database import Database

        return await Database.open(url, is_alive=alive, clock=clock)

    path = sqlite_file_of(url)
    reader = None if path is None else await asyncio.to_thread(_open_reader, path, alive)
    if reader is None:
        return await open_full()
    return LightDatabase(reader, url, open_full, clock or (lambda: datetime.now(UTC)))
