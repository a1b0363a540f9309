"""Starting and stopping the bot: the App is built, commands are synced, all is closed."""

from __future__ import annotations

from pathlib import Path

import pytest

from devussy_git.faces.discord.bot import DevussyBot, command_payload
from tests.support.discord_fakes import record_syncs

from .helpers import settings_for

DEV_GUILD = 1_000_000_000_000_000_555


@pytest.mark.parametrize("dev_guild", [DEV_GUILD, None], ids=["dev-guild", "global"])
async def test_start_builds_the_app_and_syncs_the_commands(tmp_path: Path, dev_guild: int | None) -> None:
    bot = DevussyBot(settings_for(tmp_path, discord_dev_guild=dev_guild))
    syncs = record_syncs(bot)
    await bot.setup_hook()
    try:
        assert bot.app is not None and await bot.app.db.ping()
        assert syncs == [(dev_guild, command_payload())]
    finally:
        await bot.close()
    assert bot.is_closed()
    assert not await bot.app.db.ping()
