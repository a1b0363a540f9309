"""Small key-value facts kept between restarts (``app_state``)."""

from __future__ import annotations

import sqlalchemy as sa

from devussy_git.db._checks import check_text
from devussy_git.db.engine import Gateway
from devussy_git.db.schema import app_state

__all__ = ["StateRepo"]


class StateRepo:
    """Get and set one text value per key."""

    def __init__(self, gateway: Gateway) -> None:
        self._gw = gateway

    async def get(self, key: str) -> str | None:
        check_text(key, "key", 64)
        async with self._gw.read() as conn:
            value = await conn.scalar(sa.select(app_state.c.value).where(app_state.c.key == key))
        return None if value is None else str(value)

    async def set(self, key: str, value: str) -> None:
        check_text(key, "key", 64)
        check_text(value, "value", 256)
        async with self._gw.write() as conn:
            found = await conn.scalar(sa.select(app_state.c.key).where(app_state.c.key == key).with_for_update())
            if found is None:
                await conn.execute(app_state.insert().values(key=key, value=value, updated_at=self._gw.now()))
            else:
                await conn.execute(
                    app_state.update().where(app_state.c.key == key).values(value=value, updated_at=self._gw.now())
                )
