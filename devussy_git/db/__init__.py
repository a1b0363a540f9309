"""The state database (SQLAlchemy async): projects, runs, guilds, interviews, LLM profiles.

The only package that imports SQLAlchemy. Open it with
``db = await Database.open(settings.database_url)``; every repository
returns frozen records from :mod:`devussy_git.db.records`, and every failure
is a :mod:`devussy_git.errors` error (``ConfigurationError``, ``DatabaseUnavailableError``, ``ConflictError``,
``NotFoundError``, ``RunAlreadyActiveError``, ``InvalidInputError``).
It never touches git, the LLM or the environment.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from devussy_git._lazy import lazy_exports
from devussy_git.db.owners import is_owner_alive, process_owner
from devussy_git.db.records import (
    ACTIVE_RUN_STATES,
    INTERVIEW_STATES,
    RUN_STATES,
    STAGE_STATES,
    STAGES,
    GuildConfig,
    HudRecord,
    InterviewSession,
    NodeRecord,
    ProfileRecord,
    ProjectRecord,
    RunRecord,
    StageRecord,
    StepRecord,
)

# The records above are plain dataclasses; what needs SQLAlchemy is imported on
# first use, so a command that never opens the database never pays for it.
_HEAVY: dict[str, str] = {
    "ALL_GUILDS": "devussy_git.db.projects",
    "Database": "devussy_git.db.database",
    "GUILD_FIELDS": "devussy_git.db.guilds",
    "GuildConfigRepo": "devussy_git.db.guilds",
    "HudRepo": "devussy_git.db.huds",
    "InterviewRepo": "devussy_git.db.interviews",
    "LLMProfileRepo": "devussy_git.db.profiles",
    "NodeRepo": "devussy_git.db.nodes",
    "ORPHAN_ERROR": "devussy_git.db.runs",
    "ProjectRepo": "devussy_git.db.projects",
    "RunRepo": "devussy_git.db.runs",
    "StepRepo": "devussy_git.db.steps",
    "SCHEMA_VERSION": "devussy_git.db.schema",
    # Imports SQLAlchemy only when it has to open the full database.
    "open_light": "devussy_git.db.light",
}


__getattr__, __dir__ = lazy_exports(__name__, _HEAVY, globals())


if TYPE_CHECKING:
    from devussy_git.db.database import Database
    from devussy_git.db.guilds import GUILD_FIELDS, GuildConfigRepo
    from devussy_git.db.huds import HudRepo
    from devussy_git.db.interviews import InterviewRepo
    from devussy_git.db.light import open_light
    from devussy_git.db.nodes import NodeRepo
    from devussy_git.db.profiles import LLMProfileRepo
    from devussy_git.db.projects import ALL_GUILDS, ProjectRepo
    from devussy_git.db.runs import ORPHAN_ERROR, RunRepo
    from devussy_git.db.schema import SCHEMA_VERSION
    from devussy_git.db.steps import StepRepo

__all__ = [
    "ACTIVE_RUN_STATES",
    "ALL_GUILDS",
    "GUILD_FIELDS",
    "INTERVIEW_STATES",
    "ORPHAN_ERROR",
    "RUN_STATES",
    "SCHEMA_VERSION",
    "STAGES",
    "STAGE_STATES",
    "Database",
    "GuildConfig",
    "GuildConfigRepo",
    "HudRecord",
    "HudRepo",
    "InterviewRepo",
    "InterviewSession",
    "LLMProfileRepo",
    "NodeRecord",
    "NodeRepo",
    "ProfileRecord",
    "ProjectRecord",
    "ProjectRepo",
    "RunRecord",
    "RunRepo",
    "StageRecord",
    "StepRecord",
    "StepRepo",
    "is_owner_alive",
    "open_light",
    "process_owner",
]
