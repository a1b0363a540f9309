"""The git-backed plan store: one bare repository per project.

This package is the only place in devussy-git that imports pygit2; nothing
it returns is a pygit2 type. Layout: ``<root>/<project_id>.git``, branch
``main``, written without a work tree. Writes are compare-and-swap on
``refs/heads/main`` and objects are written before the ref moves, so a crash
leaves ``main`` on a complete commit. History is never rewritten.
"""

from __future__ import annotations

from .archive import ArchiveMark
from .core import ANY, MAIN_REF, RUN_REF_PREFIX, run_ref
from .locking import DEFAULT_STALE_LOCK_SECONDS
from .models import BOT_IDENTITY, CommitInfo, Diff, FileChange, FileEntry, Identity
from .plan_store import PlanStore
from .repo import PlanRepo
from .trailers import (
    TRAILER_ACTOR,
    TRAILER_MODEL,
    TRAILER_NAMES,
    TRAILER_RUN,
    TRAILER_STAGE,
    TRAILER_STEP,
    TRAILER_TASK,
    TRAILER_TOKENS,
    parse_trailers,
)
from .trash import TrashEntry
from .validation import (
    PROJECT_ID_RE,
    validate_path,
    validate_project_id,
    validate_ref_name,
    validate_tag_name,
)

__all__ = [
    "ANY",
    "BOT_IDENTITY",
    "DEFAULT_STALE_LOCK_SECONDS",
    "MAIN_REF",
    "PROJECT_ID_RE",
    "RUN_REF_PREFIX",
    "TRAILER_ACTOR",
    "TRAILER_MODEL",
    "TRAILER_NAMES",
    "TRAILER_RUN",
    "TRAILER_STAGE",
    "TRAILER_STEP",
    "TRAILER_TASK",
    "TRAILER_TOKENS",
    "ArchiveMark",
    "CommitInfo",
    "Diff",
    "FileChange",
    "FileEntry",
    "Identity",
    "PlanRepo",
    "PlanStore",
    "TrashEntry",
    "parse_trailers",
    "run_ref",
    "validate_path",
    "validate_project_id",
    "validate_ref_name",
    "validate_tag_name",
]
