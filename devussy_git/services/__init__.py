"""The use cases every face calls: new, run, status, log, diff, show, revert,
clone, projects, and (re-exported) handoff-next, proposals and the bot's guild
and interview use cases.

Functions take an :class:`~devussy_git.app.App` and primitives and return
plain values; they never print, send or format for a face. A face parses its
input, calls one of these, renders the result, and maps
:class:`~devussy_git.errors.DevussyError` to a reply in one place.

Modules: ``actors`` (who asked), ``projects``, ``runs``, ``history`` (status,
log, diff, show, revert) and ``access`` (clone tokens, health).
"""

from __future__ import annotations

from typing import Any
from devussy_git.services.access import (
    clone_url,
    health,
    rotate_clone_token,
    set_clone_public,
)
from devussy_git.services.actors import Actor
from devussy_git.services.history import (
    ProjectStatus,
    RevertResult,
    diff,
    log,
    project_status,
    revert,
    revert_target,
    show,
)
from devussy_git.services.projects import (
    ProjectCreated,
    create_project,
    create_repo,
    ensure_no_active_run,
    ensure_project_id_free,
    get_project,
    list_projects,
    update_interview,
)
from devussy_git.services.runs import (
    ArtifactFile,
    ProgressCallback,
    execute_run,
    get_run,
    guild_api_base,
    guild_profile_name,
    llm_client_for,
    run_artifacts,
    run_project,
    spawn_run,
    start_run,
    submit_run,
)

# handoff-next and proposals live with the agent; re-exported for one entry point.
from devussy_git.agent import (
    PlanCompleteError,
    Proposal,
    StepResult,
    apply_proposal,
    discard_proposal,
    handoff_next,
    list_proposals,
)

# Guild settings, permissions and interview sessions (the bot's use cases; any face may
# call them) live in bot_services, which builds on this module; they are re-exported
# lazily so either module can be imported first.
_BOT_SERVICES = frozenset(
    {
        "Caller",
        "EffectiveConfig",
        "InterviewStep",
        "RunSummary",
        "answer_interview",
        "check_run_allowed",
        "current_interview",
        "effective_config",
        "local_run_summary",
        "may_administer",
        "may_operate",
        "project_for_thread",
        "require_admin",
        "require_operator",
        "set_guild_max_runs",
        "set_guild_model",
        "set_guild_provider",
        "set_guild_role",
        "start_guild_run",
        "start_interview",
        "summarise_run",
    }
)


def __getattr__(name: str) -> Any:
    if name in _BOT_SERVICES:
        from devussy_git import bot_services

        return getattr(bot_services, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "Actor",
    "ArtifactFile",
    "Caller",
    "EffectiveConfig",
    "InterviewStep",
    "PlanCompleteError",
    "ProgressCallback",
    "ProjectCreated",
    "ProjectStatus",
    "Proposal",
    "RevertResult",
    "RunSummary",
    "StepResult",
    "answer_interview",
    "apply_proposal",
    "check_run_allowed",
    "clone_url",
    "create_project",
    "create_repo",
    "ensure_project_id_free",
    "current_interview",
    "diff",
    "discard_proposal",
    "effective_config",
    "ensure_no_active_run",
    "execute_run",
    "get_project",
    "get_run",
    "guild_api_base",
    "guild_profile_name",
    "handoff_next",
    "health",
    "list_projects",
    "list_proposals",
    "llm_client_for",
    "local_run_summary",
    "log",
    "may_administer",
    "may_operate",
    "project_for_thread",
    "project_status",
    "require_admin",
    "require_operator",
    "revert",
    "revert_target",
    "rotate_clone_token",
    "run_artifacts",
    "run_project",
    "set_clone_public",
    "set_guild_max_runs",
    "set_guild_model",
    "set_guild_provider",
    "set_guild_role",
    "show",
    "spawn_run",
    "start_guild_run",
    "start_interview",
    "start_run",
    "submit_run",
    "summarise_run",
    "update_interview",
]
