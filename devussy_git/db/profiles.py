"""Named LLM profiles: provider, model and endpoint.

A profile never holds an API key, and an endpoint carrying credentials
(``https://user:key@host``) or a ``key``/``token`` query is refused, so a
profile can be shown in Discord or a log as it is. Keys stay in the
environment (``Settings``).
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import sqlalchemy as sa

from devussy_git.db._checks import check_text
from devussy_git.db.engine import Gateway
from devussy_git.db.records import ProfileRecord
from devussy_git.db.schema import (
    API_BASE_LEN,
    MODEL_LEN,
    PROFILE_NAME_LEN,
    PROVIDER_LEN,
    llm_profiles,
)
from devussy_git.errors import ConflictError, InvalidInputError

__all__ = ["LLMProfileRepo"]

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_SECRET_QUERY = re.compile(r"key|token|secret|password|auth", re.IGNORECASE)


def _check_api_base(api_base: str | None) -> str | None:
    check_text(api_base, "api_base", API_BASE_LEN, optional=True)
    if api_base is None:
        return None
    parts = urlsplit(api_base)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInputError("api_base must be an http:// or https:// URL")
    if parts.username or parts.password:
        raise InvalidInputError("api_base must not contain credentials; keys stay in the environment")
    if any(_SECRET_QUERY.search(name) for name, _ in parse_qsl(parts.query)):
        raise InvalidInputError("api_base must not carry a key in its query; keys stay in the environment")
    return api_base


def _record(row: sa.Row[Any]) -> ProfileRecord:
    return ProfileRecord(
        name=row.name,
        provider=row.provider,
        model=row.model,
        api_base=row.api_base,
        updated_at=row.updated_at,
    )


class LLMProfileRepo:
    """Create, change, find and list LLM profiles."""

    def __init__(self, gateway: Gateway) -> None:
        self._gw = gateway

    async def upsert(self, name: str, provider: str, model: str, api_base: str | None = None) -> ProfileRecord:
        """Create the profile or replace its provider, model and endpoint."""
        check_text(name, "profile name", PROFILE_NAME_LEN)
        if not _NAME.match(name):
            raise InvalidInputError(
                "profile name must be letters, digits, '.', '_' or '-', starting with a letter or digit"
            )
        check_text(provider, "provider", PROVIDER_LEN)
        check_text(model, "model", MODEL_LEN)
        values = {"provider": provider, "model": model, "api_base": _check_api_base(api_base)}
        for _ in range(2):
            try:
                async with self._gw.write() as conn:
                    now = self._gw.now()
                    result = await conn.execute(
                        llm_profiles.update().where(llm_profiles.c.name == name).values(updated_at=now, **values)
                    )
                    if result.rowcount == 0:
                        await conn.execute(llm_profiles.insert().values(name=name, updated_at=now, **values))
                    row = (await conn.execute(sa.select(llm_profiles).where(llm_profiles.c.name == name))).one()
                return _record(row)
            except ConflictError:
                continue
        raise ConflictError(f"profile {name} changed meanwhile; try again")

    async def get(self, name: str) -> ProfileRecord | None:
        """The profile, or ``None``."""
        async with self._gw.read() as conn:
            row = (await conn.execute(sa.select(llm_profiles).where(llm_profiles.c.name == name))).one_or_none()
        return None if row is None else _record(row)

    async def list(self) -> list[ProfileRecord]:
        """Every profile, by name."""
        async with self._gw.read() as conn:
            rows = (await conn.execute(sa.select(llm_profiles).order_by(llm_profiles.c.name))).all()
        return [_record(row) for row in rows]
