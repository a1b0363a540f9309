"""Engine set-up and the unit of work every repository goes through.

:func:`create_engine` turns a ``DATABASE_URL`` into an async engine (SQLite
gets WAL, a busy timeout, foreign keys and a made parent directory);
:class:`Gateway` opens read and write transactions and is the one place where
SQLAlchemy and driver errors become :mod:`devussy_git.errors`. Nothing here
knows about tables; nothing outside ``devussy_git.db`` may use this module.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, IntegrityError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from devussy_git.errors import ConfigurationError, ConflictError, DatabaseUnavailableError, InvalidInputError

__all__ = [
    "BUSY_TIMEOUT_MS",
    "Clock",
    "Gateway",
    "create_engine",
    "normalize_url",
    "safe_url",
    "utc_now",
]

#: How long a SQLite writer waits for another writer before giving up.
BUSY_TIMEOUT_MS = 15_000
#: Execution option that makes a SQLite transaction start with BEGIN IMMEDIATE.
_WRITE_OPTION = "devussy_write"
_POSTGRES_HINT = (
    "asyncpg, PostgreSQL's driver, is not installed: pip install 'devussy-git[postgres]' "
    "(from a checkout: pip install -e '.[postgres]')"
)

#: The drivers devussy-git runs on: asyncio drivers, one per database it supports.
_DRIVERS = ("sqlite+aiosqlite", "postgresql+asyncpg")

Clock = Callable[[], datetime]


def _unsupported(url: URL) -> str:
    """Why ``url`` cannot be used, and the URL form that can."""
    backend, _, driver = url.drivername.partition("+")
    if backend in ("sqlite", "postgresql"):
        wanted = dict(d.split("+") for d in _DRIVERS)[backend]
        return (
            f"DATABASE_URL asks for the {driver} driver, and devussy-git talks to {backend} through "
            f"{wanted} (an asyncio driver): write {backend}+{wanted}://… or plain {backend}://…"
        )
    return (
        f"DATABASE_URL names {backend!r}: devussy-git keeps its state in SQLite "
        "(sqlite+aiosqlite:///./devussy_bot.db, the default) or PostgreSQL (postgresql+asyncpg://…)"
    )


#: SQLite's words for a file that is not (or no longer) a database.
_DAMAGED = ("file is not a database", "database disk image is malformed")


def utc_now() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


def normalize_url(url: str) -> URL:
    """Parse ``url`` and pick the async driver for plain ``sqlite``/``postgresql``."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise InvalidInputError(
            "DATABASE_URL is not a database URL (e.g. sqlite+aiosqlite:///./devussy_bot.db)"
        ) from exc
    if parsed.drivername == "sqlite":
        parsed = parsed.set(drivername="sqlite+aiosqlite")
    elif parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+asyncpg")
    return parsed


def safe_url(url: URL) -> str:
    """``url`` for logs and messages, password hidden."""
    return url.render_as_string(hide_password=True)


def _is_memory(url: URL) -> bool:
    database = url.database or ""
    return database in ("", ":memory:") or "mode=memory" in database


def _prepare_sqlite_file(url: URL) -> None:
    database = url.database or ""
    if _is_memory(url) or database.startswith("file:"):
        return
    try:
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigurationError(
            f"cannot create the directory of the SQLite database {database!r}",
            detail=str(exc),
        ) from exc


def _install_sqlite_hooks(engine: AsyncEngine, *, wal: bool) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy emit BEGIN itself (see _on_begin): the sqlite3
        # module's own transaction handling skips BEGIN for SELECT and DDL.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA foreign_keys = ON")
            if wal:
                _use_wal(cursor)
                cursor.execute("PRAGMA synchronous = NORMAL")
        finally:
            cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        # A writer takes the write lock up front: a deferred transaction that
        # reads then writes can fail at once with SQLITE_BUSY under WAL, where
        # the busy timeout does not help.
        immediate = conn.get_execution_options().get(_WRITE_OPTION, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def _use_wal(cursor: Any) -> None:
    """Switch the database to WAL (a no-op when it is), waiting out other processes.

    Changing the journal mode takes an exclusive lock and SQLite does not call the
    busy handler for it: when two processes open a new database at once, one got
    "database is locked" at once. Retry for up to the busy timeout instead.
    """
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    delay = 0.005
    while True:
        try:
            cursor.execute("PRAGMA journal_mode = WAL")
            return
        except Exception as exc:  # the driver's OperationalError, as the adapter raises it
            message = str(exc).lower()
            busy = "database is locked" in message or "database is busy" in message
            if not busy or time.monotonic() >= deadline:
                raise
            time.sleep(delay)  # only while another process creates the database
            delay = min(delay * 2, 0.1)


def create_engine(url: URL) -> AsyncEngine:
    """An async engine for ``url`` with this project's SQLite/PostgreSQL settings."""
    backend = url.get_backend_name()
    if url.drivername not in _DRIVERS:
        raise ConfigurationError(_unsupported(url))
    kwargs: dict[str, Any] = {}
    if backend == "sqlite":
        _prepare_sqlite_file(url)
    elif backend == "postgresql":
        kwargs["pool_pre_ping"] = True
    try:
        engine = create_async_engine(url, **kwargs)
    except ImportError as exc:
        message = (
            _POSTGRES_HINT
            if backend == "postgresql"
            else (f"the database driver for {url.drivername!r} is not installed")
        )
        raise ConfigurationError(message, detail=str(exc)) from exc
    except (ArgumentError, SQLAlchemyError) as exc:
        raise ConfigurationError(
            f"cannot use DATABASE_URL {safe_url(url)}: it needs an async driver "
            "(sqlite+aiosqlite:// or postgresql+asyncpg://)",
            detail=str(exc),
        ) from exc
    if backend == "sqlite":
        _install_sqlite_hooks(engine, wal=not _is_memory(url))
    return engine


class Gateway:
    """Read and write transactions with error translation, shared by the repositories."""

    def __init__(self, engine: AsyncEngine, *, clock: Clock = utc_now) -> None:
        self.engine = engine
        self._writer = engine.execution_options(**{_WRITE_OPTION: True})
        # PostgreSQL's default READ COMMITTED gives each statement its own
        # snapshot; a run and its stages must be read from the same one.
        self._reader = (
            engine.execution_options(isolation_level="REPEATABLE READ")
            if engine.dialect.name == "postgresql"
            else engine
        )
        self._clock = clock
        self._closed = False
        self.dialect = engine.dialect.name
        # An in-memory SQLite database is one shared connection: its
        # transactions must not interleave.
        self._serial: asyncio.Lock | None = (
            asyncio.Lock() if self.dialect == "sqlite" and _is_memory(engine.url) else None
        )

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` was called."""
        return self._closed

    async def close(self) -> None:
        """Close every pooled connection; later transactions raise :class:`DatabaseUnavailableError`."""
        self._closed = True
        await self.engine.dispose()

    def now(self) -> datetime:
        """The time to stamp on a change (aware UTC)."""
        value = self._clock()
        if value.tzinfo is None:
            raise ValueError("the database clock must return aware datetimes")
        return value.astimezone(UTC)

    @contextlib.asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncConnection]:
        """A transaction that only reads (one consistent snapshot)."""
        async with self._serialized(), self._translated(conflict=None), self._reader.connect() as conn:
            yield conn

    @contextlib.asynccontextmanager
    async def write(self, *, conflict: str | None = None) -> AsyncIterator[AsyncConnection]:
        """A transaction that writes; committed when the block exits normally.

        A unique or foreign-key violation becomes :class:`ConflictError` with
        ``conflict`` as its message (after the rollback), a database that cannot
        be reached or failed :class:`DatabaseUnavailableError`.
        """
        async with self._serialized(), self._translated(conflict=conflict), self._writer.begin() as conn:
            yield conn

    @contextlib.asynccontextmanager
    async def _serialized(self) -> AsyncIterator[None]:
        if self._closed:
            raise DatabaseUnavailableError("the state database is closed")
        if self._serial is None:
            yield
            return
        async with self._serial:
            yield

    @contextlib.asynccontextmanager
    async def _translated(self, *, conflict: str | None) -> AsyncIterator[None]:
        try:
            yield
        except IntegrityError as exc:
            raise ConflictError(
                conflict or "the change conflicts with data already stored",
                detail=_describe(exc),
            ) from exc
        except SQLAlchemyError as exc:
            detail = _describe(exc)
            if any(sign in detail for sign in _DAMAGED):
                # Not a blip: retrying cannot help.
                raise ConfigurationError(
                    "the state database file is damaged or is not a database", detail=detail
                ) from exc
            raise DatabaseUnavailableError("the state database failed; try again", detail=detail) from exc
        except OSError as exc:
            raise DatabaseUnavailableError(
                f"the state database{self._where()} is unreachable: {_cause(exc)}", detail=_describe(exc)
            ) from exc

    def _where(self) -> str:
        """`` at host:port`` of a server database (never the password), else nothing."""
        url = self._writer.url
        if not url.host:
            return ""
        return f" at {url.host}:{url.port or 5432}"


def _cause(exc: OSError) -> str:
    """What went wrong, in words: ``connection refused``, ``timed out``, a DNS failure."""
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused (is the server running, on that port?)"
    if isinstance(exc, TimeoutError):
        return "the connection timed out"
    if exc.strerror:
        return exc.strerror[0].lower() + exc.strerror[1:]
    text = str(exc)
    if "Multiple exceptions" in text and "Connect call failed" in text:
        return "connection refused (is the server running, on that port?)"
    return text[:200] or type(exc).__name__


def _describe(exc: BaseException) -> str:
    origin = getattr(exc, "orig", None) or exc
    text = f"{type(origin).__name__}: {origin}"
    return text if len(text) <= 500 else text[:497] + "..."
