"""Builders of test records for the database tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from devussy_git.db import ProjectRecord

__all__ = ["FakeClock", "project"]


def project(
    project_id: str = "shop-api",
    *,
    guild_id: int | None = 111,
    thread_id: int | None = None,
    name: str = "Shop API",
) -> ProjectRecord:
    return ProjectRecord(
        project_id=project_id,
        name=name,
        guild_id=guild_id,
        thread_id=thread_id,
        created_by="discord:42",
        created_at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
    )


class FakeClock:
    """A clock the test moves by hand (aware UTC)."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now = self.now + timedelta(seconds=seconds)
