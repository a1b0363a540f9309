"""What the light database reader assumes about the full one, checked without a database."""

from __future__ import annotations

import os

import pytest
from sqlalchemy.engine import make_url

from devussy_git.db.engine import BUSY_TIMEOUT_MS
from devussy_git.db.light import BUSY_TIMEOUT_S, SCHEMA_MARK, sqlite_file_of
from devussy_git.db.schema import schema_mark


def test_the_mark_the_reader_expects_is_the_schema_s_mark() -> None:
    assert schema_mark() == SCHEMA_MARK, (
        f"the schema changed: check the columns db/light.py reads, then set its SCHEMA_MARK = {schema_mark()}"
    )


def test_a_read_waits_for_a_writer_as_long_as_the_full_database_does() -> None:
    assert BUSY_TIMEOUT_S * 1000 == BUSY_TIMEOUT_MS


@pytest.mark.parametrize(
    "url",
    [
        "sqlite+aiosqlite:///./devussy_bot.db",
        "sqlite+aiosqlite:////var/lib/devussy/state.db",
        "sqlite:///relative/dir/state.db",
        "sqlite:///with space/and@at/state.db",
        "sqlite:////abs/a:colon.db",
    ],
)
def test_a_plain_sqlite_url_names_the_file_sqlalchemy_opens(url: str) -> None:
    parsed = make_url(url)
    assert parsed.query == {}
    assert sqlite_file_of(url) == os.path.abspath(parsed.database or "")


@pytest.mark.parametrize(
    "url",
    [
        "sqlite+aiosqlite://",
        "sqlite+aiosqlite:///:memory:",
        "sqlite+aiosqlite:///file:state.db?mode=ro&uri=true",
        "sqlite+aiosqlite:///state.db?timeout=30",
        "sqlite+aiosqlite:///st%61te.db",
        "sqlite+pysqlcipher:///state.db",
        "postgresql+asyncpg://u:p@localhost/devussy",
        "postgresql://localhost/devussy",
        " sqlite:///state.db",
    ],
)
def test_anything_else_is_left_to_the_full_database(url: str) -> None:
    assert sqlite_file_of(url) is None
