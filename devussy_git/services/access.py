"""Clone access (token, public/private, clone commands) and the service's health."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from devussy_git.app import App
from devussy_git.db import process_owner
from devussy_git.gitserve import CloneInfo, clone_info
from devussy_git.services.projects import get_project

__all__ = [
    "advertise_served",
    "clone_url",
    "database_url",
    "health",
    "public_url",
    "rotate_clone_token",
    "set_clone_public",
]

# -- clone ----------------------------------------------------------------------


def public_url(app: App) -> tuple[str, str]:
    """The base URL clones use, and where it comes from (for the user to read).

    ``DEVUSSY_PUBLIC_URL`` when set; else the URL of the ``serve`` running on
    this repos root; else the default ``serve`` would use.
    """
    from devussy_git.gitserve.served import served_url

    if app.settings.public_url_configured:
        return app.settings.public_url, "DEVUSSY_PUBLIC_URL"
    running = served_url(app.settings.repos_root)
    if running is not None:
        return running[0], f"the server running here, pid {running[1]}"
    return app.settings.public_url, (
        "no server is running on these repos: this is where `devussy-git serve` listens by "
        "default; set DEVUSSY_PUBLIC_URL if clones reach it another way"
    )


@contextmanager
def advertise_served(repos_root: Path, url: str) -> Iterator[None]:
    """While the block runs, tell ``clone-url`` in other processes that ``url`` serves these repos."""
    from devussy_git.gitserve.served import clear_served, record_served

    root = repos_root.resolve()
    record_served(root, url)
    try:
        yield
    finally:
        clear_served(root)


async def clone_url(app: App, project_id: str, *, guild_id: int | None = None) -> CloneInfo:
    await get_project(app, project_id, guild_id=guild_id)
    base, _ = public_url(app)
    return await asyncio.to_thread(clone_info, app.access, base, project_id)


async def rotate_clone_token(app: App, project_id: str, *, guild_id: int | None = None) -> CloneInfo:
    await get_project(app, project_id, guild_id=guild_id)
    await asyncio.to_thread(app.access.rotate, project_id)
    return await asyncio.to_thread(clone_info, app.access, public_url(app)[0], project_id)


async def set_clone_public(app: App, project_id: str, public: bool, *, guild_id: int | None = None) -> CloneInfo:
    await get_project(app, project_id, guild_id=guild_id)
    await asyncio.to_thread(app.access.set_public, project_id, public)
    return await asyncio.to_thread(clone_info, app.access, public_url(app)[0], project_id)


def database_url(app: App) -> str:
    """The state database's URL, password hidden (safe to print)."""
    return str(app.db.url)


async def health(app: App) -> dict[str, bool]:
    """``/healthz`` checks: the repos root is writable and the database answers."""

    def root_writable() -> bool:
        probe = app.settings.repos_root / f".healthz-{process_owner().replace(':', '-')}"
        try:
            probe.write_text("ok")
            probe.unlink()
        except OSError:
            return False
        return True

    return {
        "repos_root_writable": await asyncio.to_thread(root_writable),
        "database": await app.db.ping(),
    }
