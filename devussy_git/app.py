"""Composition root: builds the store, database, clone access, metrics and LLM
clients from :class:`~devussy_git.config.Settings`.

Every face (CLI, HTTP, Discord) gets an :class:`App` from :func:`open_app` and
passes it to the functions of :mod:`devussy_git.services`. Nothing here runs at
import time; tests build their own ``App`` from their own settings.

The heavy adapters are imported only when built: SQLAlchemy when the database
is opened (a command that reads only git builds the app with
``database=False``), litellm when a model is called, prometheus when metrics
are counted.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from devussy_git.config import Settings
from devussy_git.errors import StoreError
from devussy_git.gitserve.access import CloneAccess
from devussy_git.gitserve.secret import load_or_create_secret_key
from devussy_git.store import Identity, PlanStore

if TYPE_CHECKING:
    from devussy_git.db import Database
    from devussy_git.llm import LLMClient
    from devussy_git.metrics import Metrics


class _NoDatabase:
    """Stands for the database in an app built without it: any use is a bug, said clearly."""

    def __getattr__(self, name: str) -> Any:
        raise StoreError(f"This command runs without the state database (asked for db.{name}).")

    async def close(self) -> None:
        return None


class _UncountedMetrics:
    """The metrics of a process that never serves them (a CLI command): counts go nowhere.

    Building the real ones imports prometheus-client, a cost a command that exits
    a moment later would pay for figures nobody can read.
    """

    def observe_request(self, route: str, method: str, status: int, seconds: float) -> None:
        return None

    def count_clone(self, project_id: str) -> None:
        return None

    def count_run(self, state: str) -> None:
        return None

    def count_llm_tokens(self, model: str, tokens_in: int, tokens_out: int) -> None:
        return None

    def render(self) -> tuple[bytes, str]:
        raise StoreError("This process does not serve metrics.")


__all__ = ["App", "build_app", "open_app"]


@dataclass
class App:
    """Everything a use case needs, built once per process."""

    settings: Settings
    store: PlanStore
    db: Database
    access: CloneAccess
    _metrics: Metrics | None = None
    #: Per-project locks: two steps on one project never interleave in-process.
    locks: dict[str, asyncio.Lock] = field(default_factory=dict)
    #: Background run tasks (HTTP/Discord), kept so they are not garbage collected.
    tasks: set[asyncio.Task[object]] = field(default_factory=set)
    #: How runs execute (``services.executors``); built from the settings on first use.
    _executor: Any = None
    #: False for a process that never serves ``/metrics`` (the CLI): nothing is counted.
    counts_metrics: bool = True

    @property
    def executor(self) -> Any:
        """The run executor: in this process, or the runner at ``DEVUSSY_RUNNER_URL``."""
        if self._executor is None:
            from devussy_git.services.executors import build_executor

            self._executor = build_executor(self.settings)
        return self._executor

    def with_executor(self, executor: Any) -> App:
        """The same app (store, database, locks) running its runs with ``executor``."""
        return replace(self, _executor=executor)

    @property
    def has_database(self) -> bool:
        """False for an app built with ``database=False`` (git-only commands)."""
        return not isinstance(self.db, _NoDatabase)

    @property
    def metrics(self) -> Metrics:
        if self._metrics is None:
            if not self.counts_metrics:
                return _UncountedMetrics()  # type: ignore[return-value]
            from devussy_git.metrics import Metrics

            self._metrics = Metrics()
        return self._metrics

    def lock_for(self, project_id: str) -> asyncio.Lock:
        return self.locks.setdefault(project_id, asyncio.Lock())

    def llm_client(
        self, provider: str | None = None, model: str | None = None, api_base: str | None = None
    ) -> LLMClient:
        """A client for the configured profile, or for an override of it.

        ``api_base`` points it at another OpenAI-compatible endpoint (validated;
        the configured key is sent there only when it is the configured host).
        """
        from devussy_git.llm import LLMProfile, make_client

        return make_client(LLMProfile.from_settings(self.settings, provider=provider, model=model, api_base=api_base))

    def git_router(self, locate: Any = None) -> Any:
        """The smart-HTTP clone endpoint for these repos, as a FastAPI router (imports FastAPI).

        ``locate`` finds the owner of a project not on this node (its reads are proxied there).
        """
        from devussy_git.gitserve.router import make_git_router

        return make_git_router(
            self.settings.repos_root, self.access, metrics=self.metrics, locate=locate, this_node=self.settings.node
        )

    @property
    def committer(self) -> Identity:
        return Identity(self.settings.committer_name, self.settings.committer_email)

    async def close(self) -> None:
        for task in list(self.tasks):
            task.cancel()
        if self.tasks:
            await asyncio.gather(*self.tasks, return_exceptions=True)
        if self._executor is not None:
            await self._executor.aclose()
        await self.db.close()
        # litellm's background logging is tied to this event loop: let it finish.
        if "litellm" in sys.modules:
            from devussy_git.llm import aclose_litellm

            await aclose_litellm()


def _prepare_root(root: Path) -> Path:
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"Cannot create the repos root {root}: {exc.strerror}") from exc
    return root.resolve()


async def build_app(settings: Settings, *, database: bool = True, light: bool = False, metrics: bool = True) -> App:
    """Open the database (creating tables), the store and the clone access.

    ``database=False`` builds an app for commands that read only git (``log``,
    ``show``, ``diff``, ``clone-url``): SQLAlchemy is not even imported.
    ``light=True`` is for commands that mostly read the database (``status``,
    ``projects``, ``revert``, ``handoff-next``): on a SQLite file they read it
    without SQLAlchemy, which is imported only if they ask for anything else
    (:func:`devussy_git.db.open_light`); other databases open as usual.
    ``metrics=False`` is for a process that never serves ``/metrics``: its
    counts are dropped and prometheus-client is not imported.
    """
    root = _prepare_root(settings.repos_root)
    settings = settings.with_(repos_root=root)
    db: Any = _NoDatabase()
    if database and light:
        from devussy_git.db import open_light

        db = await open_light(settings.database_url)
    elif database:
        from devussy_git.db import Database

        # Opening the database also fails (resumably) the runs of processes that died.
        db = await Database.open(settings.database_url)
    try:
        secret = load_or_create_secret_key(root, settings.secret_key)
        app = App(
            settings=settings,
            store=PlanStore(root, committer=Identity(settings.committer_name, settings.committer_email)),
            db=db,
            access=CloneAccess(root, secret),
            counts_metrics=metrics,
        )
    except BaseException:
        await db.close()
        raise
    return app


@asynccontextmanager
async def open_app(
    settings: Settings, *, database: bool = True, light: bool = False, metrics: bool = True
) -> AsyncIterator[App]:
    """``async with open_app(settings) as app:`` — built, then closed."""
    app = await build_app(settings, database=database, light=light, metrics=metrics)
    try:
        yield app
    finally:
        await app.close()
