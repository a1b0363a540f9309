"""Whether the Discord commands need syncing: the hash of the last synced payload.

Syncing on every restart makes Discord re-publish the commands ("may take up to an
hour to show"); the bot syncs only when the payload's hash differs from the one kept
in the database for the same scope (global, or one development guild).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any

from devussy_git.app import App

__all__ = ["commands_digest", "commands_need_sync", "remember_commands_synced"]


def commands_digest(payload: Sequence[Any]) -> str:
    """A stable hash of the command payload (key order does not matter)."""
    text = json.dumps(list(payload), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _key(scope: str) -> str:
    return f"commands-synced:{scope}"[:64]


async def commands_need_sync(app: App, scope: str, digest: str) -> bool:
    """True unless ``digest`` is what was last synced for ``scope``."""
    return await app.db.state.get(_key(scope)) != digest


async def remember_commands_synced(app: App, scope: str, digest: str) -> None:
    await app.db.state.set(_key(scope), digest)
