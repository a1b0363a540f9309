"""The use cases every face calls: new, run, status, log, diff, show, revert,
clone, projects, and (re-exported) handoff-next, proposals and the bot's guild
and interview use cases.

Functions take an :class:`~devussy_git.app.App` and primitives and return
plain values; they never print, send or format for a face. A face parses its
input, calls one of these, renders the result, and maps
:class:`~devussy_git.errors.DevussyError` to a reply in one place.

Modules: ``actors`` (who asked), ``projects``, ``runs``, ``history`` (status,
log, diff, show, revert), ``progress`` (tasks done over the history, and its
chart) and ``access`` (clone tokens, health).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from devussy_git._lazy import lazy_exports

# Each name is imported from its module on first use, so a face pays only for the
# use cases it calls (``devussy-git log`` never imports the database, the agent or
# the model adapter). The table is the public surface; a test checks it resolves.
_HOMES: dict[str, str] = {
    "Actor": "devussy_git.services.actors",
    "ArtifactFile": "devussy_git.services.runs",
    "ProgressCallback": "devussy_git.services.runs",
    "execute_run": "devussy_git.services.runs",
    "get_run": "devussy_git.services.runs",
    "guild_api_base": "devussy_git.services.runs",
    "guild_profile_name": "devussy_git.services.runs",
    "llm_client_for": "devussy_git.services.runs",
    "run_artifacts": "devussy_git.services.runs",
    "run_project": "devussy_git.services.runs",
    "spawn_run": "devussy_git.services.runs",
    "start_run": "devussy_git.services.runs",
    "submit_run": "devussy_git.services.runs",
    "Caller": "devussy_git.bot_services",
    "EffectiveConfig": "devussy_git.bot_services",
    "InterviewStep": "devussy_git.bot_services",
    "RunSummary": "devussy_git.bot_services",
    "answer_interview": "devussy_git.bot_services",
    "check_run_allowed": "devussy_git.bot_services",
    "current_interview": "devussy_git.bot_services",
    "effective_config": "devussy_git.bot_services",
    "local_run_summary": "devussy_git.bot_services",
    "may_administer": "devussy_git.bot_services",
    "may_operate": "devussy_git.bot_services",
    "project_for_thread": "devussy_git.bot_services",
    "require_admin": "devussy_git.bot_services",
    "require_operator": "devussy_git.bot_services",
    "set_guild_max_runs": "devussy_git.bot_services",
    "set_guild_model": "devussy_git.bot_services",
    "set_guild_provider": "devussy_git.bot_services",
    "set_guild_role": "devussy_git.bot_services",
    "start_guild_run": "devussy_git.bot_services",
    "start_interview": "devussy_git.bot_services",
    "summarise_run": "devussy_git.bot_services",
    "PlanCompleteError": "devussy_git.agent",
    "Proposal": "devussy_git.agent",
    "StepResult": "devussy_git.agent",
    "apply_proposal": "devussy_git.agent",
    "discard_proposal": "devussy_git.agent",
    "handoff_next": "devussy_git.agent",
    "list_proposals": "devussy_git.agent",
    "ProjectCreated": "devussy_git.services.projects",
    "create_project": "devussy_git.services.projects",
    "create_repo": "devussy_git.services.projects",
    "ensure_no_active_run": "devussy_git.services.projects",
    "ensure_project_id_free": "devussy_git.services.projects",
    "get_project": "devussy_git.services.projects",
    "list_projects": "devussy_git.services.projects",
    "update_interview": "devussy_git.services.projects",
    "ProjectStatus": "devussy_git.services.history",
    "RevertResult": "devussy_git.services.history",
    "diff": "devussy_git.services.history",
    "log": "devussy_git.services.history",
    "project_status": "devussy_git.services.history",
    "revert": "devussy_git.services.history",
    "revert_target": "devussy_git.services.history",
    "show": "devussy_git.services.history",
    "PhaseProgress": "devussy_git.services.progress",
    "ProgressPoint": "devussy_git.services.progress",
    "progress_chart": "devussy_git.services.progress",
    "progress_history": "devussy_git.services.progress",
    "commands_digest": "devussy_git.services.commands",
    "commands_need_sync": "devussy_git.services.commands",
    "remember_commands_synced": "devussy_git.services.commands",
    "MaintenanceReport": "devussy_git.services.maintenance",
    "run_maintenance": "devussy_git.services.maintenance",
    "pack_if_needed": "devussy_git.services.maintenance",
    "start_periodic_maintenance": "devussy_git.services.maintenance",
    "clone_url": "devussy_git.services.access",
    "public_url": "devussy_git.services.access",
    "health": "devussy_git.services.access",
    "rotate_clone_token": "devussy_git.services.access",
    "set_clone_public": "devussy_git.services.access",
}

__all__ = sorted(_HOMES)


__getattr__, __dir__ = lazy_exports(__name__, _HOMES, globals())


if TYPE_CHECKING:
    from devussy_git.services.commands import commands_digest, commands_need_sync, remember_commands_synced
    from devussy_git.services.maintenance import (
        MaintenanceReport,
        run_maintenance,
        pack_if_needed,
        start_periodic_maintenance,
    )
    from devussy_git.services.actors import (
        Actor,
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
    from devussy_git.bot_services import (
        Caller,
        EffectiveConfig,
        InterviewStep,
        RunSummary,
        answer_interview,
        check_run_allowed,
        current_interview,
        effective_config,
        local_run_summary,
        may_administer,
        may_operate,
        project_for_thread,
        require_admin,
        require_operator,
        set_guild_max_runs,
        set_guild_model,
        set_guild_provider,
        set_guild_role,
        start_guild_run,
        start_interview,
        summarise_run,
    )
    from devussy_git.agent import (
        PlanCompleteError,
        Proposal,
        StepResult,
        apply_proposal,
        discard_proposal,
        handoff_next,
        list_proposals,
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
    from devussy_git.services.progress import (
        PhaseProgress,
        ProgressPoint,
        progress_chart,
        progress_history,
    )
    from devussy_git.services.access import (
        clone_url,
        health,
        public_url,
        rotate_clone_token,
        set_clone_public,
    )
