"""Read-only git clone over HTTP: clone tokens, clone URLs, the smart-HTTP router.

The app mounts :func:`make_git_router`; ``services.py`` uses
:class:`CloneAccess` and :func:`clone_info` for the ``clone-url`` /
``clone-token`` verbs. Nothing here imports pygit2 or reads the environment.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from devussy_git._lazy import lazy_exports
from devussy_git.gitserve.access import CloneAccess
from devussy_git.gitserve.secret import load_or_create_secret_key
from devussy_git.gitserve.urls import CloneInfo, clone_info

if TYPE_CHECKING:
    from devussy_git.gitserve.router import make_git_router


# The router needs FastAPI: imported only by the face that serves it.
__getattr__, __dir__ = lazy_exports(__name__, {"make_git_router": "devussy_git.gitserve.router"}, globals())

__all__ = [
    "CloneAccess",
    "CloneInfo",
    "clone_info",
    "load_or_create_secret_key",
    "make_git_router",
]
