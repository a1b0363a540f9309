"""Which model endpoint a guild's work uses: the profile row a guild saved,
and the LLM client built from it.

Kept apart from ``services.runs`` so a step (``handoff-next``) gets its client
without importing the run pipeline.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from devussy_git.app import App
    from devussy_git.llm import LLMClient

__all__ = ["guild_api_base", "guild_profile_name", "llm_client_for"]


def guild_profile_name(guild_id: int) -> str:
    """The LLM profile row that holds a guild's endpoint."""
    return f"guild-{guild_id}"


async def guild_api_base(app: App, guild_id: int | None, provider: str | None) -> str | None:
    """The endpoint ``guild_id`` chose for ``provider`` (``None``: the provider's own).

    A profile saved for another provider does not apply: an endpoint belongs
    to the provider it was set with.
    """
    if guild_id is None:
        return None
    stored = await app.db.profiles.get(guild_profile_name(guild_id))
    chosen = (provider or app.settings.llm_provider).strip().lower()
    if stored is None or not stored.api_base or stored.provider != chosen:
        return None
    return stored.api_base


async def llm_client_for(app: App, *, provider: str | None, model: str | None, guild_id: int | None) -> LLMClient:
    """The client for work of ``guild_id`` (its endpoint, if it set one)."""
    api_base = await guild_api_base(app, guild_id, provider)
    return app.llm_client(provider, model, api_base=api_base)
