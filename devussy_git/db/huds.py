"""Where each project's pinned heads-up message is, and what it last showed."""

from __future__ import annotations

import sqlalchemy as sa

from devussy_git.db._checks import check_snowflake, check_text
from devussy_git.db.engine import Gateway
from devussy_git.db.records import HudRecord
from devussy_git.db.schema import PROJECT_ID_LEN, huds

__all__ = ["HudRecord", "HudRepo"]


class HudRepo:
    """One pinned message per project."""

    def __init__(self, gateway: Gateway) -> None:
        self._gw = gateway

    async def get(self, project_id: str) -> HudRecord | None:
        async with self._gw.read() as conn:
            row = (await conn.execute(sa.select(huds).where(huds.c.project_id == project_id))).one_or_none()
        return None if row is None else HudRecord(row.project_id, row.channel_id, row.message_id, row.shown)

    async def list(self) -> list[HudRecord]:
        async with self._gw.read() as conn:
            rows = (await conn.execute(sa.select(huds).order_by(huds.c.project_id))).all()
        return [HudRecord(r.project_id, r.channel_id, r.message_id, r.shown) for r in rows]

    async def save(self, record: HudRecord) -> None:
        check_text(record.project_id, "project id", PROJECT_ID_LEN)
        check_snowflake(record.channel_id, "channel id")
        check_snowflake(record.message_id, "message id")
        check_text(record.shown, "digest", 64)
        values = {
            "channel_id": record.channel_id,
            "message_id": record.message_id,
            "shown": record.shown,
            "updated_at": self._gw.now(),
        }
        async with self._gw.write() as conn:
            found = await conn.scalar(
                sa.select(huds.c.project_id).where(huds.c.project_id == record.project_id).with_for_update()
            )
            if found is None:
                await conn.execute(huds.insert().values(project_id=record.project_id, **values))
            else:
                await conn.execute(huds.update().where(huds.c.project_id == record.project_id).values(**values))

    async def forget(self, project_id: str) -> None:
        async with self._gw.write() as conn:
            await conn.execute(huds.delete().where(huds.c.project_id == project_id))
