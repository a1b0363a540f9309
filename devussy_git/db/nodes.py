"""Nodes: each ``serve`` records the base URL other nodes reach it at.

A node that does not own a project asks this table where its owner is, to proxy
a clone or a file read there, or to fetch the repository when it moves. This
module never touches the repositories or the network.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from devussy_git.db._checks import check_text
from devussy_git.db.engine import Gateway
from devussy_git.db.records import NodeRecord
from devussy_git.db.schema import NODE_LEN, NODE_URL_LEN, nodes

__all__ = ["NodeRepo"]


def _record(row: sa.Row[Any]) -> NodeRecord:
    return NodeRecord(name=row.name, url=row.url, seen_at=row.seen_at)


class NodeRepo:
    """Record and find nodes."""

    def __init__(self, gateway: Gateway) -> None:
        self._gw = gateway

    async def record(self, name: str, url: str) -> NodeRecord:
        """Say that node ``name`` serves at ``url`` (now); replaces what it said before."""
        check_text(name, "node", NODE_LEN)
        check_text(url, "node URL", NODE_URL_LEN)
        now = self._gw.now()
        async with self._gw.write() as conn:
            updated = await conn.execute(nodes.update().where(nodes.c.name == name).values(url=url, seen_at=now))
            if updated.rowcount == 0:
                await conn.execute(nodes.insert().values(name=name, url=url, seen_at=now))
        return NodeRecord(name, url, now)

    async def get(self, name: str) -> NodeRecord | None:
        async with self._gw.read() as conn:
            row = (await conn.execute(sa.select(nodes).where(nodes.c.name == name))).one_or_none()
        return None if row is None else _record(row)

    async def list(self) -> list[NodeRecord]:
        async with self._gw.read() as conn:
            rows = (await conn.execute(sa.select(nodes).order_by(nodes.c.name))).all()
        return [_record(row) for row in rows]
