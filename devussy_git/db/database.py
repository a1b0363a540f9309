"""The state database: one object holding the engine and the repositories.

:meth:`Database.open` is the only way in: it creates the tables, records or
checks the schema version, and fails (resumable) the runs left active by a
process that died. Callers get frozen records, never rows. This module must
never be imported at start-up of a face that does not need it (SQLAlchemy is
heavy), and it never reads the environment: the URL comes from ``Settings``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from types import TracebackType
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from devussy_git.db.engine import (
    Clock,
    Gateway,
    create_engine,
    normalize_url,
    safe_url,
    utc_now,
)
from devussy_git.db.guilds import GuildConfigRepo
from devussy_git.db.huds import HudRepo
from devussy_git.db.interviews import InterviewRepo
from devussy_git.db.nodes import NodeRepo
from devussy_git.db.owners import is_owner_alive
from devussy_git.db.profiles import LLMProfileRepo
from devussy_git.db.projects import ProjectRepo
from devussy_git.db.runs import RunRepo
from devussy_git.db.schema import SCHEMA_VERSION, metadata, schema_mark, schema_version
from devussy_git.db.state import StateRepo
from devussy_git.db.steps import StepRepo
from devussy_git.errors import ConfigurationError

__all__ = ["Database"]

log = logging.getLogger(__name__)

# Any constants work; they only have to be the same in every process. The
# two-int form keeps these apart from the one-bigint locks of guild limits.
_SCHEMA_LOCK_KEYS = (0x64657675, 1)  # "devu", schema


class Database:
    """Engine plus repositories. Build it with :meth:`open`; ``close`` it when done."""

    projects: ProjectRepo
    runs: RunRepo
    guilds: GuildConfigRepo
    interviews: InterviewRepo
    profiles: LLMProfileRepo
    state: StateRepo
    huds: HudRepo
    steps: StepRepo
    nodes: NodeRepo

    def __init__(self, engine: AsyncEngine, gateway: Gateway, url: str) -> None:
        self._engine = engine
        self._gw = gateway
        #: The URL in use, password hidden (safe to log).
        self.url = url
        self.projects = ProjectRepo(gateway)
        self.runs = RunRepo(gateway)
        self.guilds = GuildConfigRepo(gateway)
        self.interviews = InterviewRepo(gateway)
        self.profiles = LLMProfileRepo(gateway)
        self.state = StateRepo(gateway)
        self.huds = HudRepo(gateway)
        self.steps = StepRepo(gateway)
        self.nodes = NodeRepo(gateway)
        #: Runs failed at :meth:`open` because their process had died.
        self.orphans: tuple[str, ...] = ()

    @classmethod
    async def open(
        cls,
        url: str,
        *,
        is_alive: Callable[[str], bool] | None = None,
        clock: Clock | None = None,
    ) -> Database:
        """Connect, create missing tables, and fail the runs of dead processes.

        ``is_alive(owner)`` says whether a ``host:pid`` owner still runs
        (default: :func:`~devussy_git.db.owners.is_owner_alive`). Raises
        :class:`ConfigurationError` when the database cannot be used or was made
        by a newer devussy-git, :class:`InvalidInputError` for a bad URL.
        """
        parsed = normalize_url(url)
        engine = create_engine(parsed)
        gateway = Gateway(engine, clock=clock or utc_now)
        db = cls(engine, gateway, safe_url(parsed))
        try:
            async with gateway.write() as conn:
                await _create_schema(conn, gateway)
            db.orphans = tuple(await db.runs.mark_orphans(is_alive or is_owner_alive))
        except BaseException:
            await engine.dispose()
            raise
        if db.orphans:
            log.warning(
                "marked %d run(s) failed (resumable) because their process stopped: %s",
                len(db.orphans),
                ", ".join(db.orphans),
            )
        return db

    def now(self) -> Any:
        """The database clock's current time (aware UTC)."""
        return self._gw.now()

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self._gw.dialect

    async def ping(self, timeout_s: float = 5.0) -> bool:
        """Whether the database answers a trivial query within ``timeout_s`` (``/healthz``)."""
        if self._gw.closed:
            return False
        try:
            async with asyncio.timeout(timeout_s), self._engine.connect() as conn:
                await conn.execute(sa.text("SELECT 1"))
        except (SQLAlchemyError, OSError):  # TimeoutError is an OSError
            log.warning("database ping failed", exc_info=True)
            return False
        return True

    async def close(self) -> None:
        """Close every pooled connection; the object is unusable afterwards."""
        if not self._gw.closed:
            await self._gw.close()

    async def __aenter__(self) -> Database:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()


async def _create_schema(conn: AsyncConnection, gateway: Gateway) -> None:
    if gateway.dialect == "postgresql":
        # Two processes starting at once must not both CREATE the same table.
        await conn.execute(
            sa.text("SELECT pg_advisory_xact_lock(:a, :b)"),
            {"a": _SCHEMA_LOCK_KEYS[0], "b": _SCHEMA_LOCK_KEYS[1]},
        )
    await conn.run_sync(metadata.create_all)
    found = await conn.scalar(sa.select(schema_version.c.version).where(schema_version.c.id == 1))
    if found is None:
        await conn.execute(schema_version.insert().values(id=1, version=SCHEMA_VERSION, updated_at=gateway.now()))
    elif found > SCHEMA_VERSION:
        raise ConfigurationError(
            f"the database has schema version {found}, newer than this devussy-git "
            f"understands ({SCHEMA_VERSION}); upgrade devussy-git"
        )
    elif found < SCHEMA_VERSION:
        from devussy_git.db.migrations import upgrade

        reached = await upgrade(conn, gateway.dialect, found, SCHEMA_VERSION)
        if reached == SCHEMA_VERSION:
            await conn.execute(
                schema_version.update()
                .where(schema_version.c.id == 1)
                .values(version=reached, updated_at=gateway.now())
            )
            return
        raise ConfigurationError(
            f"the database has schema version {found}; this devussy-git needs "
            f"{SCHEMA_VERSION} and has no migration for it"
        )
    if gateway.dialect == "sqlite":
        # Tell the light reader (db/light.py) that this schema is in place and checked.
        mark = schema_mark()
        if await conn.scalar(sa.text("PRAGMA user_version")) != mark:
            await conn.execute(sa.text(f"PRAGMA user_version = {mark:d}"))
