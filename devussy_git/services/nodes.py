"""Nodes: which node owns a project, where each node serves, and whose queue a job goes to.

Each project belongs to one node (``DEVUSSY_NODE`` of the process that created it):
its bare repository is on that node's disk and its jobs go to that node's queue. A
process on another node never opens the repository: it says which node owns it
(:func:`ensure_on_this_node`), and ``serve`` proxies reads to the owner's URL from the
``nodes`` table (:func:`owner_url`).
"""

from __future__ import annotations

import logging
from functools import partial
from typing import TYPE_CHECKING, Any

from devussy_git.app import App
from devussy_git.config import Settings
from devussy_git.db import NodeRecord, ProjectRecord
from devussy_git.errors import ProjectOnOtherNodeError

if TYPE_CHECKING:
    from devussy_git.jobqueue import JobHandler, JobQueue

__all__ = [
    "ensure_on_this_node",
    "git_router",
    "list_nodes",
    "locate_repo",
    "node_queues",
    "other_node_of",
    "owner_url",
    "project_queue",
    "proxy_if_elsewhere",
    "record_node",
    "state_database_exists",
    "worker_tasks",
]

log = logging.getLogger(__name__)


def ensure_on_this_node(app: App, record: ProjectRecord) -> None:
    """Refuse, naming the owner, to open a project whose repository is on another node."""
    if record.node != app.settings.node:
        raise ProjectOnOtherNodeError(
            f"Project {record.project_id} is on node {record.node}, not on this node ({app.settings.node}): "
            f"run the command on {record.node}, or read it through any node's serve.",
            node=record.node,
        )


async def other_node_of(app: App, project_id: str) -> str | None:
    """The node owning ``project_id`` when that is not this one; ``None`` for a local or unknown project."""
    if not app.has_database:
        return None
    record = await app.db.projects.get(project_id)
    if record is None or record.node == app.settings.node:
        return None
    return record.node


async def owner_url(app: App, node: str) -> str:
    """The base URL of ``node``'s serve; :class:`ProjectOnOtherNodeError` (503) when it never said."""
    found = await app.db.nodes.get(node)
    if found is None:
        raise ProjectOnOtherNodeError(
            f"Node {node} owns this project but its serve has not recorded a URL: "
            f"start `devussy-git serve` on {node} (with DEVUSSY_NODE_URL set to where other nodes reach it).",
            node=node,
        )
    return found.url


async def project_queue(app: App, project_id: str) -> str:
    """The queue of the project's jobs: its node's."""
    from devussy_git.jobqueue import node_queue

    record = await app.db.projects.get(project_id)
    return node_queue(record.node if record is not None else app.settings.node)


def node_queues(app: App) -> list[str]:
    """The queues a worker takes by default: its node's (and, on ``local``, the queue of older jobs)."""
    from devussy_git.jobqueue import RUN_QUEUE, node_queue

    queues = [node_queue(app.settings.node)]
    if app.settings.node == "local":
        queues.append(RUN_QUEUE)  # jobs queued before projects had nodes: all are local's
    return queues


def state_database_exists(settings: Settings) -> bool:
    """Whether the state database is there to ask (a SQLite file that does not exist is not created)."""
    from pathlib import Path

    from devussy_git.db.light import sqlite_file_of

    path = sqlite_file_of(settings.database_url)
    return path is None or Path(path).is_file()


async def record_node(app: App, url: str) -> NodeRecord:
    """Say where this node serves, for the other nodes (``serve`` does at start)."""
    record = await app.db.nodes.record(app.settings.node, url.rstrip("/"))
    log.info("node %s serves at %s", record.name, record.url)
    return record


async def list_nodes(app: App) -> list[NodeRecord]:
    return await app.db.nodes.list()


def worker_tasks(app: App, queue: JobQueue) -> dict[str, JobHandler]:
    """The jobs other than runs a worker takes: moves of projects to its node."""
    from devussy_git.services.moves import move_tasks

    return move_tasks(app, queue)


async def locate_repo(app: App, project_id: str) -> tuple[str, str | None] | None:
    """``None`` when the project's repository is here (or unknown), else its owner and the owner's URL."""
    node = await other_node_of(app, project_id)
    if node is None:
        return None
    found = await app.db.nodes.get(node)
    return node, (found.url if found is not None else None)


def git_router(app: App) -> Any:
    """The clone endpoint of this node, proxying projects of other nodes to their owners."""
    return app.git_router(locate=partial(locate_repo, app))


async def proxy_if_elsewhere(app: App, request: Any, project_id: str) -> Any | None:
    """The owner's answer to ``request`` (a file read) when the project is on another node; ``None`` when here."""
    node = await other_node_of(app, project_id)
    if node is None:
        return None
    url = await owner_url(app, node)
    from devussy_git.gitserve.proxy import proxy_request

    return await proxy_request(request, url, this_node=app.settings.node, owner=node, project_id=project_id)
