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


@pytest.mark.parametrize("dev_guild", [DEV_GUILD, None], ids=["dev-guild", "global"])
async def test_a_restart_with_the_same_commands_does_not_sync_them_again(tmp_path: Path, dev_guild: int | None) -> None:
    syncs_per_start = []
    for _ in range(2):
        bot = DevussyBot(settings_for(tmp_path, discord_dev_guild=dev_guild))
        syncs = record_syncs(bot)
        await bot.setup_hook()
        await bot.close()
        syncs_per_start.append(len(syncs))
    assert syncs_per_start == [1, 0]
    # Changed commands (here: their hash kept for that scope is not theirs) are synced again.
    from devussy_git import services
    from devussy_git.app import build_app

    app = await build_app(settings_for(tmp_path, discord_dev_guild=dev_guild))
    try:
        scope = "global" if dev_guild is None else f"guild:{dev_guild}"
        await services.remember_commands_synced(app, scope, "0" * 64)
    finally:
        await app.close()
    bot = DevussyBot(settings_for(tmp_path, discord_dev_guild=dev_guild))
    syncs = record_syncs(bot)
    await bot.setup_hook()
    await bot.close()
    assert syncs == [(dev_guild, command_payload())]
