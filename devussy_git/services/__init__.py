"""The use cases every face calls: new, run, status, log, diff, show, revert,
clone, projects, archive, handoff-next, proposals, guild settings and
interviews.

Functions take an :class:`~devussy_git.app.App` and primitives and return
plain values; they never print, send or format for a face. A face parses its
input, calls one of these, renders the result, and maps
:class:`~devussy_git.errors.DevussyError` to a reply in one place.

Modules: ``actors`` (who asked), ``projects``, ``runs``, ``history`` (status,
log, diff, show, revert), ``access`` (clone tokens, health), ``archive``
(archive, restore, delete), ``guilds`` (settings, permissions, run limits),
``interviews`` (thread interviews), ``steps`` (handoff-next, proposals),
``endpoints`` (which model endpoint a guild's work uses),
``summaries`` (run summaries), ``progress`` (tasks done over the history,
and its chart), ``hud``,
``maintenance`` and ``commands`` (the synced command hash).
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
    "dispatch_run": "devussy_git.services.runs",
    "queue_project_run": "devussy_git.services.runs",
    "cancel_run": "devussy_git.services.runs",
    "get_run": "devussy_git.services.runs",
    "guild_api_base": "devussy_git.services.endpoints",
    "guild_profile_name": "devussy_git.services.endpoints",
    "llm_client_for": "devussy_git.services.endpoints",
    "run_artifacts": "devussy_git.services.runs",
    "run_project": "devussy_git.services.runs",
    "spawn_run": "devussy_git.services.runs",
    "start_run": "devussy_git.services.runs",
    "submit_run": "devussy_git.services.runs",
    "Caller": "devussy_git.services.guilds",
    "EffectiveConfig": "devussy_git.services.guilds",
    "check_run_allowed": "devussy_git.services.guilds",
    "check_admin": "devussy_git.services.guilds",
    "check_operator": "devussy_git.services.guilds",
    "effective_config": "devussy_git.services.guilds",
    "may_administer": "devussy_git.services.guilds",
    "may_operate": "devussy_git.services.guilds",
    "require_admin": "devussy_git.services.guilds",
    "require_operator": "devussy_git.services.guilds",
    "set_guild_max_runs": "devussy_git.services.guilds",
    "set_guild_model": "devussy_git.services.guilds",
    "set_guild_provider": "devussy_git.services.guilds",
    "set_guild_role": "devussy_git.services.guilds",
    "start_guild_run": "devussy_git.services.guilds",
    "LocalExecutor": "devussy_git.services.executors",
    "RunExecutor": "devussy_git.services.executors",
    "RunFinished": "devussy_git.services.executors",
    "RunStarted": "devussy_git.services.executors",
    "RunnerExecutor": "devussy_git.services.executors",
    "build_executor": "devussy_git.services.executors",
    "follow_run": "devussy_git.services.executors",
    "QueueExecutor": "devussy_git.services.queue",
    "handle_run_job": "devussy_git.services.queue",
    "check_queue_ready": "devussy_git.services.queue",
    "migrate": "devussy_git.services.queue",
    "run_worker": "devussy_git.services.queue",
    "cancel_guild_run": "devussy_git.services.executors",
    "RunCancel": "devussy_git.services.executors",
    "MAX_RUNS_LIMIT": "devussy_git.services.guilds",
    "DEFAULT": "devussy_git.services.guilds",
    "refuse_private_endpoint": "devussy_git.services.guilds",
    "RunSummary": "devussy_git.services.summaries",
    "local_run_summary": "devussy_git.services.summaries",
    "summarise_run": "devussy_git.services.summaries",
    "InterviewStep": "devussy_git.services.interviews",
    "answer_interview": "devussy_git.services.interviews",
    "current_interview": "devussy_git.services.interviews",
    "project_for_thread": "devussy_git.services.interviews",
    "start_interview": "devussy_git.services.interviews",
    "cancel_interview_of_thread": "devussy_git.services.interviews",
    "CANCEL": "devussy_git.services.interviews",
    "DISCORD_ID_MAX": "devussy_git.services.interviews",
    "PlanCompleteError": "devussy_git.services.steps",
    "Proposal": "devussy_git.services.steps",
    "StepResult": "devussy_git.services.steps",
    "apply_proposal": "devussy_git.services.steps",
    "discard_proposal": "devussy_git.services.steps",
    "handoff_next": "devussy_git.services.steps",
    "list_proposals": "devussy_git.services.steps",
    "NOTE_MAX_CHARS": "devussy_git.services.steps",
    "check_note": "devussy_git.services.steps",
    "ProjectCreated": "devussy_git.services.projects",
    "commit_interview": "devussy_git.services.projects",
    "create_project": "devussy_git.services.projects",
    "create_repo": "devussy_git.services.projects",
    "ensure_no_active_run": "devussy_git.services.projects",
    "ensure_project_id_free": "devussy_git.services.projects",
    "get_project": "devussy_git.services.projects",
    "list_projects": "devussy_git.services.projects",
    "list_files": "devussy_git.services.projects",
    "free_project_id": "devussy_git.services.projects",
    "repo_path": "devussy_git.services.projects",
    "project_choices": "devussy_git.services.projects",
    "update_interview": "devussy_git.services.projects",
    "ProjectStatus": "devussy_git.services.history",
    "RevertResult": "devussy_git.services.history",
    "diff": "devussy_git.services.history",
    "log": "devussy_git.services.history",
    "project_status": "devussy_git.services.history",
    "revert": "devussy_git.services.history",
    "revert_target": "devussy_git.services.history",
    "show": "devussy_git.services.history",
    "DEFAULT_HISTORY_LIMIT": "devussy_git.services.progress",
    "KINDS": "devussy_git.services.progress",
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
    "ArchiveMark": "devussy_git.services.archive",
    "Restored": "devussy_git.services.archive",
    "TrashEntry": "devussy_git.services.archive",
    "archive_project": "devussy_git.services.archive",
    "delete_project": "devussy_git.services.archive",
    "project_archived": "devussy_git.services.archive",
    "restore_project": "devussy_git.services.archive",
    "trash": "devussy_git.services.archive",
    "ensure_writable": "devussy_git.services.projects",
    "Hud": "devussy_git.services.hud",
    "HudPhase": "devussy_git.services.hud",
    "forget_hud": "devussy_git.services.hud",
    "hud_record": "devussy_git.services.hud",
    "huds_behind": "devussy_git.services.hud",
    "project_hud": "devussy_git.services.hud",
    "save_hud": "devussy_git.services.hud",
    "advertise_served": "devussy_git.services.access",
    "clone_url": "devussy_git.services.access",
    "public_url": "devussy_git.services.access",
    "database_url": "devussy_git.services.access",
    "health": "devussy_git.services.access",
    "rotate_clone_token": "devussy_git.services.access",
    "set_clone_public": "devussy_git.services.access",
    # The vocabulary of the results above (records, commits, diffs, questions, progress
    # events), so a face needs nothing but this package to name what it renders.
    "ProjectRecord": "devussy_git.db",
    "RunRecord": "devussy_git.db",
    "HudRecord": "devussy_git.db",
    "StageRecord": "devussy_git.db",
    "STAGES": "devussy_git.stages",
    "ACTIVE_RUN_STATES": "devussy_git.stages",
    "CommitInfo": "devussy_git.store",
    "Diff": "devussy_git.store",
    "FileChange": "devussy_git.store",
    "PROJECT_ID_RE": "devussy_git.store",
    "TRAILER_ACTOR": "devussy_git.store.trailers",
    "TRAILER_MODEL": "devussy_git.store.trailers",
    "TRAILER_RUN": "devussy_git.store.trailers",
    "TRAILER_STAGE": "devussy_git.store.trailers",
    "TRAILER_STEP": "devussy_git.store.trailers",
    "TRAILER_TASK": "devussy_git.store.trailers",
    "TRAILER_TOKENS": "devussy_git.store.trailers",
    "Question": "devussy_git.plan",
    "QUESTIONS": "devussy_git.plan",
    "Task": "devussy_git.plan",
    "next_question": "devussy_git.plan",
    "parse_answer": "devussy_git.plan",
    "question_by_id": "devussy_git.plan",
    "ProgressEvent": "devussy_git.pipeline",
    "RunOutcome": "devussy_git.pipeline",
    "CloneInfo": "devussy_git.gitserve",
    "endpoint_host": "devussy_git.llm.profile",
}

__all__ = sorted(_HOMES)


__getattr__, __dir__ = lazy_exports(__name__, _HOMES, globals())


if TYPE_CHECKING:
    from devussy_git.db import HudRecord, ProjectRecord, RunRecord, StageRecord
    from devussy_git.gitserve import CloneInfo
    from devussy_git.llm.profile import endpoint_host
    from devussy_git.pipeline import ProgressEvent, RunOutcome
    from devussy_git.plan import QUESTIONS, Question, Task, next_question, parse_answer, question_by_id
    from devussy_git.services.access import (
        advertise_served,
        clone_url,
        database_url,
        health,
        public_url,
        rotate_clone_token,
        set_clone_public,
    )
    from devussy_git.services.actors import (
        Actor,
    )
    from devussy_git.services.archive import (
        ArchiveMark,
        Restored,
        TrashEntry,
        archive_project,
        delete_project,
        project_archived,
        restore_project,
        trash,
    )
    from devussy_git.services.commands import commands_digest, commands_need_sync, remember_commands_synced
    from devussy_git.services.endpoints import guild_api_base, guild_profile_name, llm_client_for
    from devussy_git.services.executors import (
        LocalExecutor,
        RunCancel,
        RunExecutor,
        RunFinished,
        RunnerExecutor,
        RunStarted,
        build_executor,
        cancel_guild_run,
        follow_run,
    )
    from devussy_git.services.guilds import (
        DEFAULT,
        MAX_RUNS_LIMIT,
        Caller,
        EffectiveConfig,
        check_admin,
        check_operator,
        check_run_allowed,
        effective_config,
        may_administer,
        may_operate,
        refuse_private_endpoint,
        require_admin,
        require_operator,
        set_guild_max_runs,
        set_guild_model,
        set_guild_provider,
        set_guild_role,
        start_guild_run,
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
    from devussy_git.services.hud import (
        Hud,
        HudPhase,
        forget_hud,
        hud_record,
        huds_behind,
        project_hud,
        save_hud,
    )
    from devussy_git.services.interviews import (
        CANCEL,
        DISCORD_ID_MAX,
        InterviewStep,
        answer_interview,
        cancel_interview_of_thread,
        current_interview,
        project_for_thread,
        start_interview,
    )
    from devussy_git.services.maintenance import (
        MaintenanceReport,
        pack_if_needed,
        run_maintenance,
        start_periodic_maintenance,
    )
    from devussy_git.services.progress import (
        DEFAULT_HISTORY_LIMIT,
        KINDS,
        PhaseProgress,
        ProgressPoint,
        progress_chart,
        progress_history,
    )
    from devussy_git.services.projects import (
        ProjectCreated,
        commit_interview,
        create_project,
        create_repo,
        ensure_no_active_run,
        ensure_project_id_free,
        ensure_writable,
        free_project_id,
        get_project,
        list_files,
        list_projects,
        project_choices,
        repo_path,
        update_interview,
    )
    from devussy_git.services.queue import QueueExecutor, check_queue_ready, handle_run_job, migrate, run_worker
    from devussy_git.services.runs import (
        ArtifactFile,
        ProgressCallback,
        cancel_run,
        dispatch_run,
        execute_run,
        get_run,
        queue_project_run,
        run_artifacts,
        run_project,
        spawn_run,
        start_run,
        submit_run,
    )
    from devussy_git.services.steps import (
        NOTE_MAX_CHARS,
        PlanCompleteError,
        Proposal,
        StepResult,
        apply_proposal,
        check_note,
        discard_proposal,
        handoff_next,
        list_proposals,
    )
    from devussy_git.services.summaries import RunSummary, local_run_summary, summarise_run
    from devussy_git.stages import ACTIVE_RUN_STATES, STAGES
    from devussy_git.store import PROJECT_ID_RE, CommitInfo, Diff, FileChange
    from devussy_git.store.trailers import (
        TRAILER_ACTOR,
        TRAILER_MODEL,
        TRAILER_RUN,
        TRAILER_STAGE,
        TRAILER_STEP,
        TRAILER_TASK,
        TRAILER_TOKENS,
    )
