"""@everyone is in every member's roles: it must never make everyone an admin."""

from __future__ import annotations

from types import SimpleNamespace

import discord
import pytest

from devussy_git import services
from devussy_git.app import App
from devussy_git.errors import PermissionDeniedError
from devussy_git.faces.discord.context import caller_of

GUILD = 4242


def _role(role_id: int, default: bool) -> SimpleNamespace:
    return SimpleNamespace(id=role_id, is_default=lambda: default)


def test_the_default_role_is_not_counted_as_a_role() -> None:
    member = SimpleNamespace(id=7, roles=[_role(GUILD, True), _role(99, False)])
    caller = caller_of(member, discord.Permissions.none())
    assert caller.role_ids == frozenset({99})


async def test_choosing_everyone_as_the_role_means_no_role(app: App) -> None:
    admin = services.Caller(1, frozenset(), True)
    config = await services.set_guild_role(app, GUILD, GUILD, caller=admin)
    assert config.role_id is None
    member = services.Caller(2, frozenset(), False)
    with pytest.raises(PermissionDeniedError):
        await services.set_guild_max_runs(app, GUILD, 1, caller=member)
