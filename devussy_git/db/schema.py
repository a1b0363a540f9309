"""Table definitions of the state database (SQLAlchemy Core).

Portable on purpose: the same metadata creates the schema on SQLite and on
PostgreSQL, so only portable types appear here (``String`` with lengths,
``BigInteger`` for Discord snowflakes, ``sa.JSON``, timezone-aware UTC
timestamps). The partial unique indexes carry a ``WHERE`` for both dialects.
This module must never open a connection or hold data.

Bump :data:`SCHEMA_VERSION` with every change a later migration must handle;
the ``schema_version`` table records the version a database was created at.
"""

from __future__ import annotations

import zlib
from datetime import UTC, datetime
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.engine import Dialect

from devussy_git.db.records import (
    ACTIVE_RUN_STATES,
    INTERVIEW_STATES,
    RUN_STATES,
    STAGE_STATES,
    STEP_STATES,
)

__all__ = [
    "SCHEMA_VERSION",
    "UTCDateTime",
    "guild_configs",
    "huds",
    "interviews",
    "llm_profiles",
    "metadata",
    "nodes",
    "projects",
    "run_stages",
    "runs",
    "schema_mark",
    "schema_version",
    "steps",
]

#: The schema this code writes and understands.
SCHEMA_VERSION = 3

# Column sizes, shared with the repositories' input checks.
PROJECT_ID_LEN = 63
NAME_LEN = 200
ACTOR_LEN = 200
RUN_ID_LEN = 12
PROVIDER_LEN = 32
MODEL_LEN = 200
OWNER_LEN = 300
STAGE_LEN = 32
COMMIT_LEN = 64
PROFILE_NAME_LEN = 64
API_BASE_LEN = 500
NODE_LEN = 63
NODE_URL_LEN = 500


class UTCDateTime(sa.types.TypeDecorator[datetime]):
    """A timezone-aware ``datetime`` stored as UTC, read back as aware UTC.

    SQLite has no time zones: the value is stored as naive UTC there and
    given its ``tzinfo`` back on read. PostgreSQL stores ``timestamptz``.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are refused: pass an aware (UTC) datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        stored = cast(datetime, value)
        if stored.tzinfo is None:
            return stored.replace(tzinfo=UTC)
        return stored.astimezone(UTC)


def _in(column: sa.ColumnClause[Any], values: tuple[str, ...]) -> sa.ColumnElement[bool]:
    return column.in_(values)


metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

schema_version = sa.Table(
    "schema_version",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
)

projects = sa.Table(
    "projects",
    metadata,
    sa.Column("project_id", sa.String(PROJECT_ID_LEN), primary_key=True),
    sa.Column("name", sa.String(NAME_LEN), nullable=False),
    sa.Column("guild_id", sa.BigInteger, nullable=True, index=True),
    sa.Column("thread_id", sa.BigInteger, nullable=True, unique=True),
    sa.Column("created_by", sa.String(ACTOR_LEN), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    # The node whose disk holds the bare repository and whose queue runs its jobs (version 3).
    sa.Column("node", sa.String(NODE_LEN), nullable=False, server_default="local"),
)

#: Each node's ``serve`` and the base URL other nodes reach it at (version 3).
nodes = sa.Table(
    "nodes",
    metadata,
    sa.Column("name", sa.String(NODE_LEN), primary_key=True),
    sa.Column("url", sa.String(NODE_URL_LEN), nullable=False),
    sa.Column("seen_at", UTCDateTime, nullable=False),
)

runs = sa.Table(
    "runs",
    metadata,
    # A sequence gives a stable newest-first order even for equal timestamps.
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("run_id", sa.String(RUN_ID_LEN), nullable=False, unique=True),
    sa.Column(
        "project_id",
        sa.String(PROJECT_ID_LEN),
        sa.ForeignKey("projects.project_id"),
        nullable=False,
        index=True,
    ),
    sa.Column("guild_id", sa.BigInteger, nullable=True),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("stage", sa.String(STAGE_LEN), nullable=True),
    sa.Column("provider", sa.String(PROVIDER_LEN), nullable=False),
    sa.Column("model", sa.String(MODEL_LEN), nullable=False),
    sa.Column("actor", sa.String(ACTOR_LEN), nullable=False),
    sa.Column("owner", sa.String(OWNER_LEN), nullable=False),
    sa.Column("error", sa.Text, nullable=True),
    sa.Column("resumable", sa.Boolean, nullable=False, default=False),
    # Set by a cancel from any process; the process running the run stops at
    # its next stage boundary or model wait (version 2).
    sa.Column("cancel_requested", sa.Boolean, nullable=False, default=False, server_default=sa.false()),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("started_at", UTCDateTime, nullable=True),
    sa.Column("finished_at", UTCDateTime, nullable=True),
    sa.CheckConstraint(sa.column("state").in_(RUN_STATES), name="state"),
)
# One queued-or-running run per project, enforced by the database itself so
# that two processes creating a run at once cannot both win.
sa.Index(
    "uq_runs_active_project",
    runs.c.project_id,
    unique=True,
    sqlite_where=_in(runs.c.state, ACTIVE_RUN_STATES),
    postgresql_where=_in(runs.c.state, ACTIVE_RUN_STATES),
)
sa.Index("ix_runs_state_guild", runs.c.state, runs.c.guild_id)

run_stages = sa.Table(
    "run_stages",
    metadata,
    sa.Column(
        "run_id",
        sa.String(RUN_ID_LEN),
        sa.ForeignKey("runs.run_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("name", sa.String(STAGE_LEN), primary_key=True),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("commit", sa.String(COMMIT_LEN), nullable=True),
    sa.Column("started_at", UTCDateTime, nullable=True),
    sa.Column("finished_at", UTCDateTime, nullable=True),
    sa.Column("error", sa.Text, nullable=True),
    sa.Column("tokens_in", sa.BigInteger, nullable=False, default=0),
    sa.Column("tokens_out", sa.BigInteger, nullable=False, default=0),
    sa.CheckConstraint(sa.column("state").in_(STAGE_STATES), name="state"),
)

guild_configs = sa.Table(
    "guild_configs",
    metadata,
    sa.Column("guild_id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("provider", sa.String(PROVIDER_LEN), nullable=True),
    sa.Column("model", sa.String(MODEL_LEN), nullable=True),
    sa.Column("max_runs", sa.Integer, nullable=True),
    sa.Column("role_id", sa.BigInteger, nullable=True),
    sa.Column("updated_at", UTCDateTime, nullable=False),
)

interviews = sa.Table(
    "interviews",
    metadata,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("session_id", sa.String(RUN_ID_LEN), nullable=False, unique=True),
    sa.Column("guild_id", sa.BigInteger, nullable=True),
    sa.Column("thread_id", sa.BigInteger, nullable=False, index=True),
    sa.Column("user_id", sa.BigInteger, nullable=False),
    sa.Column(
        "project_id",
        sa.String(PROJECT_ID_LEN),
        sa.ForeignKey("projects.project_id"),
        nullable=False,
    ),
    sa.Column("answers", sa.JSON, nullable=False),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.CheckConstraint(sa.column("state").in_(INTERVIEW_STATES), name="state"),
)
# At most one open interview per thread.
sa.Index(
    "uq_interviews_open_thread",
    interviews.c.thread_id,
    unique=True,
    sqlite_where=interviews.c.state == "open",
    postgresql_where=interviews.c.state == "open",
)

llm_profiles = sa.Table(
    "llm_profiles",
    metadata,
    sa.Column("name", sa.String(PROFILE_NAME_LEN), primary_key=True),
    sa.Column("provider", sa.String(PROVIDER_LEN), nullable=False),
    sa.Column("model", sa.String(MODEL_LEN), nullable=False),
    sa.Column("api_base", sa.String(API_BASE_LEN), nullable=True),
    sa.Column("updated_at", UTCDateTime, nullable=False),
)

#: Small facts a face keeps between restarts (e.g. the hash of the synced commands).
#: Added without a version bump: ``create_all`` adds a missing table to an older database.
app_state = sa.Table(
    "app_state",
    metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("value", sa.String(256), nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
)


#: The pinned heads-up message of each project's thread, and a digest of what it shows.
#: Added without a version bump: ``create_all`` adds a missing table to an older database.
huds = sa.Table(
    "huds",
    metadata,
    sa.Column("project_id", sa.String(PROJECT_ID_LEN), primary_key=True),
    sa.Column("channel_id", sa.BigInteger, nullable=False),
    sa.Column("message_id", sa.BigInteger, nullable=False),
    sa.Column("shown", sa.String(64), nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
)


def schema_mark() -> int:
    """A number that changes whenever the schema does: SQLite's ``PRAGMA user_version``.

    :meth:`Database.open` stamps it on a SQLite database once the tables are there
    and the version is checked; :mod:`devussy_git.db.light` reads without
    SQLAlchemy only a database stamped with the mark it was written for
    (``light.SCHEMA_MARK``, kept equal to this by a unit test).
    """
    parts = [f"version {SCHEMA_VERSION}"]
    for table in sorted(metadata.tables.values(), key=lambda t: t.name):
        parts.append(f"table {table.name}")
        parts.extend(
            f"column {c.name} {c.type} {'null' if c.nullable else 'not null'}{' key' if c.primary_key else ''}"
            for c in table.columns
        )
        parts.extend(f"index {index.name}" for index in sorted(table.indexes, key=lambda i: str(i.name)))
    # A positive 31-bit number: user_version is a signed 32-bit integer, and 0 means unstamped.
    return zlib.crc32("\n".join(parts).encode()) % 0x7FFFFFFF or 1


#: The handoff-next steps handed to the job queue's workers (``DEVUSSY_EXECUTOR=queue``):
#: what was asked, who runs it, and how it ended, for the process that follows it.
#: Added without a version bump: ``create_all`` adds a missing table to an older database.
steps = sa.Table(
    "steps",
    metadata,
    sa.Column("step_id", sa.String(RUN_ID_LEN), primary_key=True),
    # No foreign key: a step may act on a repository copied in without a projects row.
    sa.Column("project_id", sa.String(PROJECT_ID_LEN), nullable=False, index=True),
    sa.Column("kind", sa.String(STAGE_LEN), nullable=False),
    sa.Column("state", sa.String(16), nullable=False),
    # What the step was asked (note, task, preview, provider, model, guild) and by whom.
    sa.Column("request", sa.JSON, nullable=False),
    sa.Column("actor", sa.JSON, nullable=False),
    sa.Column("owner", sa.String(OWNER_LEN), nullable=True),
    # The queue's job id: the order the queue received the steps in.
    sa.Column("job_id", sa.BigInteger, nullable=True),
    # ``main`` and the task when the worker chose them: what a take-over checks against.
    sa.Column("base", sa.String(COMMIT_LEN), nullable=True),
    sa.Column("task", sa.String(STAGE_LEN), nullable=True),
    # The landed commit (``completed``) or the error to raise again (``failed``).
    sa.Column("outcome", sa.JSON, nullable=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("started_at", UTCDateTime, nullable=True),
    sa.Column("finished_at", UTCDateTime, nullable=True),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.CheckConstraint(sa.column("state").in_(STEP_STATES), name="state"),
)
