"""A real App (tmp repos root, SQLite, offline provider) and the real bot driven offline."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from devussy_git.app import App, build_app
from tests.support.discord_fakes import DiscordHarness

from .helpers import settings_for


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[App]:
    built = await build_app(settings_for(tmp_path))
    try:
        yield built
    finally:
        await built.close()


@pytest.fixture
def harness(app: App) -> DiscordHarness:
    return DiscordHarness(app, guild_id=1_000_000_000_000_000_042)
