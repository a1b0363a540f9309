"""Per-guild settings: provider, model, run limit and the allowed role.

Unset fields are ``None`` and mean "fall back to the environment default";
that fallback is the caller's job. This module never reads the environment.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from devussy_git.db._checks import check_count, check_snowflake, check_text
from devussy_git.db.engine import Gateway
from devussy_git.db.records import GuildConfig
from devussy_git.db.schema import MODEL_LEN, PROVIDER_LEN, guild_configs
from devussy_git.errors import ConflictError, InvalidInputError

__all__ = ["GUILD_FIELDS", "GuildConfigRepo"]

#: The fields :meth:`GuildConfigRepo.set` accepts.
GUILD_FIELDS: tuple[str, ...] = ("provider", "model", "max_runs", "role_id")


def _check(fields: dict[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(fields) - set(GUILD_FIELDS))
    if unknown:
        raise InvalidInputError(f"unknown guild setting(s): {', '.join(unknown)} (known: {', '.join(GUILD_FIELDS)})")
    checked: dict[str, Any] = {}
    for name, value in fields.items():
        if name == "provider":
            checked[name] = check_text(value, "provider", PROVIDER_LEN, optional=True)
        elif name == "model":
            checked[name] = check_text(value, "model", MODEL_LEN, optional=True)
        elif name == "max_runs":
            checked[name] = check_count(value, "max_runs", optional=True)
        else:
            checked[name] = check_snowflake(value, "role id", optional=True)
    return checked


def _record(row: sa.Row[Any]) -> GuildConfig:
    return GuildConfig(
        guild_id=row.guild_id,
        provider=row.provider,
        model=row.model,
        max_runs=row.max_runs,
        role_id=row.role_id,
    )


class GuildConfigRepo:
    """Read and change one guild's settings."""

    def __init__(self, gateway: Gateway) -> None:
        self._gw = gateway

    async def get(self, guild_id: int) -> GuildConfig:
        """The guild's settings; every field ``None`` when never set."""
        check_snowflake(guild_id, "guild id")
        async with self._gw.read() as conn:
            row = (
                await conn.execute(sa.select(guild_configs).where(guild_configs.c.guild_id == guild_id))
            ).one_or_none()
        return GuildConfig(guild_id=guild_id) if row is None else _record(row)

    async def set(self, guild_id: int, **fields: Any) -> GuildConfig:
        """Change the given fields (``None`` clears one); the others keep their value."""
        check_snowflake(guild_id, "guild id")
        values = _check(fields)
        # Update, else insert; a concurrent first insert makes ours conflict,
        # and the retry then finds the row and updates it.
        for _ in range(2):
            try:
                async with self._gw.write() as conn:
                    now = self._gw.now()
                    result = await conn.execute(
                        guild_configs.update()
                        .where(guild_configs.c.guild_id == guild_id)
                        .values(updated_at=now, **values)
                    )
                    if result.rowcount == 0:
                        await conn.execute(guild_configs.insert().values(guild_id=guild_id, updated_at=now, **values))
                    row = (
                        await conn.execute(sa.select(guild_configs).where(guild_configs.c.guild_id == guild_id))
                    ).one()
                return _record(row)
            except ConflictError:
                continue
        raise ConflictError(f"settings of guild {guild_id} changed meanwhile; try again")
