"""The slash commands: ``/ping``, ``/devussy …`` and ``/devussy admin …``.

Each command is thin: acknowledge (defer first for anything that touches git
or the LLM), read the context, call a service or a flow, send the rendered
result. Errors propagate to the tree's ``on_error``. Building these objects
needs no connection, so ``--dump-commands`` and the tests use them as is.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any, Optional

import discord
from discord import app_commands

from devussy_git import __version__, services
from devussy_git.config import PROVIDERS
from devussy_git.errors import InvalidInputError
from devussy_git.faces.discord import flows, render, render_admin
from devussy_git.faces.discord.context import Ctx, is_thread
from devussy_git.faces.discord.hud import refresh_hud
from devussy_git.faces.discord.options import ProjectTransformer, complete_file
from devussy_git.faces.discord.send import defer, reply, send_to

__all__ = ["AdminGroup", "DevussyGroup", "ping", "register"]

log = logging.getLogger(__name__)

# discord.py reads this alias at runtime, where Transform[...] does not support `| None`.
Project = Optional[app_commands.Transform[str, ProjectTransformer]]  # noqa: UP045
_PROJECT_HELP = "Project id (default: the project of this thread)"


@app_commands.command(name="ping", description="Check that the bot is up and how fast the gateway answers.")
async def ping(interaction: discord.Interaction) -> None:
    latency = interaction.client.latency
    shown = None if latency != latency or latency == float("inf") else latency * 1000  # NaN before connect
    await reply(interaction, render.render_ping(shown))


class AdminGroup(app_commands.Group, name="admin", description="Server settings (Manage Server or the bot role)."):
    @app_commands.command(name="set-provider", description="Choose the LLM provider for this server.")
    @app_commands.describe(
        provider="The provider; its default model is used until set-model",
        base_url="Your own OpenAI-compatible endpoint, e.g. https://llm.example.com/v1; 'default' for the provider's",
    )
    @app_commands.choices(provider=[app_commands.Choice(name=p, value=p) for p in PROVIDERS])
    async def set_provider(
        self,
        interaction: discord.Interaction,
        provider: str,
        base_url: app_commands.Range[str, 1, 500] | None = None,
    ) -> None:
        await defer(interaction, ephemeral=True)
        ctx = Ctx.of(interaction)
        config = await services.set_guild_provider(
            ctx.app, ctx.guild_id, provider, caller=ctx.caller, base_url=base_url
        )
        await reply(interaction, render.render_admin(config, "provider"))

    @app_commands.command(name="set-model", description="Choose the model for this server's provider.")
    @app_commands.describe(model="Model name as the provider knows it; 'default' for the provider's default")
    async def set_model(self, interaction: discord.Interaction, model: app_commands.Range[str, 1, 200]) -> None:
        await defer(interaction, ephemeral=True)
        ctx = Ctx.of(interaction)
        config = await services.set_guild_model(ctx.app, ctx.guild_id, model, caller=ctx.caller)
        await reply(interaction, render.render_admin(config, "model"))

    @app_commands.command(name="set-max-runs", description="Limit how many runs this server may have going at once.")
    @app_commands.describe(count="Most runs queued or running at once; 0 for no limit")
    async def set_max_runs(
        self, interaction: discord.Interaction, count: app_commands.Range[int, 0, services.MAX_RUNS_LIMIT]
    ) -> None:
        await defer(interaction, ephemeral=True)
        ctx = Ctx.of(interaction)
        config = await services.set_guild_max_runs(ctx.app, ctx.guild_id, count, caller=ctx.caller)
        await reply(interaction, render.render_admin(config, "max runs"))

    @app_commands.command(name="set-role", description="Choose the role allowed to run, step, revert and administer.")
    @app_commands.describe(role="The role; leave empty to let everyone run again")
    async def set_role(self, interaction: discord.Interaction, role: discord.Role | None = None) -> None:
        await defer(interaction, ephemeral=True)
        ctx = Ctx.of(interaction)
        config = await services.set_guild_role(ctx.app, ctx.guild_id, role.id if role else None, caller=ctx.caller)
        await reply(interaction, render.render_admin(config, "role"))

    @app_commands.command(
        name="archive", description="Make a project read-only and hide it from the list (asks first)."
    )
    @app_commands.describe(project=_PROJECT_HELP)
    async def archive(self, interaction: discord.Interaction, project: Project = None) -> None:
        await defer(interaction, ephemeral=True)
        ctx = Ctx.of(interaction)
        await ctx.require_admin()
        name = await ctx.project(project)
        await services.get_project(ctx.app, name, guild_id=ctx.guild_id)
        await reply(interaction, render_admin.render_archive_confirm(name))

    @app_commands.command(
        name="restore", description="Bring back an archived project, or a deleted one from the trash."
    )
    @app_commands.describe(project=_PROJECT_HELP)
    async def restore(self, interaction: discord.Interaction, project: Project = None) -> None:
        await defer(interaction)
        ctx = Ctx.of(interaction)
        await ctx.require_admin()
        name = await ctx.project(project)
        restored = await services.restore_project(ctx.app, name, actor=ctx.actor, guild_id=ctx.guild_id)
        await reply(interaction, render_admin.render_restored(restored))
        await refresh_hud(ctx.bot, name)

    @app_commands.command(
        name="delete", description="Delete a project for good; its history is kept a while (asks first)."
    )
    @app_commands.describe(project=_PROJECT_HELP)
    async def delete(self, interaction: discord.Interaction, project: Project = None) -> None:
        await defer(interaction, ephemeral=True)
        ctx = Ctx.of(interaction)
        await ctx.require_admin()
        name = await ctx.project(project)
        await services.get_project(ctx.app, name, guild_id=ctx.guild_id)
        await reply(interaction, render_admin.render_delete_confirm(name, ctx.app.settings.trash_days))


class DevussyGroup(
    app_commands.Group,
    name="devussy",
    description="Plan software together: interview, run, step, revert.",
    guild_only=True,
):
    @app_commands.command(name="new", description="Start a project: opens a thread and interviews you there.")
    @app_commands.describe(name="Project name; the project id is made from it")
    async def new(self, interaction: discord.Interaction, name: app_commands.Range[str, 1, 100]) -> None:
        ctx = Ctx.of(interaction)
        await defer(interaction, ephemeral=True)
        await ctx.require_operator()
        channel = interaction.channel
        home: Any = getattr(channel, "parent", None) if is_thread(channel) else channel
        if home is None or not hasattr(home, "create_thread"):
            raise InvalidInputError("Use /devussy new in a text channel where the bot can create threads.")
        if getattr(home, "type", None) in (
            discord.ChannelType.forum,
            discord.ChannelType.news,
            discord.ChannelType.media,
        ):
            # Forum and announcement channels make threads differently (a post, a news thread).
            raise InvalidInputError("Use /devussy new in a text channel (not a forum or announcement channel).")
        try:
            thread = await home.create_thread(
                name=f"devussy · {name}"[:100], type=discord.ChannelType.public_thread, auto_archive_duration=10080
            )
        except discord.Forbidden:
            raise
        except discord.HTTPException as exc:
            raise InvalidInputError(f"Discord refused to create the thread here ({exc.status}).") from exc
        try:
            step = await services.start_interview(
                ctx.app, name, guild_id=ctx.guild_id, thread_id=thread.id, user_id=ctx.caller.user_id, actor=ctx.actor
            )
        except Exception:
            try:
                await thread.delete()
            except discord.HTTPException as exc:
                log.info("could not remove thread %s after a failed start: %s", thread.id, exc)
            raise
        log.info("interview for %s started", step.session.project_id, extra=ctx.log_extra(step.session.project_id))
        await send_to(thread, render.render_interview(step))
        await reply(interaction, render.render_interview_started(step.session.project_id, thread.mention))

    @app_commands.command(name="run", description="Run the planning pipeline on the project's interview.")
    @app_commands.describe(project=_PROJECT_HELP, resume="Continue the last failed run from its failed stage")
    async def run(self, interaction: discord.Interaction, project: Project = None, resume: bool = False) -> None:
        await defer(interaction)
        ctx = Ctx.of(interaction)
        await flows.start_run(ctx, interaction, await ctx.project(project), resume=resume)

    @app_commands.command(name="cancel", description="Cancel the project's queued or running run.")
    @app_commands.describe(project=_PROJECT_HELP, run_id="The run to cancel (default: the project's active run)")
    async def cancel(
        self, interaction: discord.Interaction, project: Project = None, run_id: str | None = None
    ) -> None:
        await defer(interaction)
        ctx = Ctx.of(interaction)
        await flows.cancel(ctx, interaction, await ctx.project(project), run_id)

    @app_commands.command(name="status", description="Show the last run, the plan's progress and the next task.")
    @app_commands.describe(project=_PROJECT_HELP)
    async def status(self, interaction: discord.Interaction, project: Project = None) -> None:
        await defer(interaction)
        ctx = Ctx.of(interaction)
        result = await services.project_status(ctx.app, await ctx.project(project), guild_id=ctx.guild_id)
        chart = None
        if result.progress is not None:  # without a plan there is nothing to draw
            chart = await services.progress_chart(ctx.app, result.project.project_id, guild_id=ctx.guild_id)
        await reply(interaction, render.render_status(result, chart=chart))

    @app_commands.command(name="handoff-next", description="Let the agent do the next task and show the diff.")
    @app_commands.describe(
        project=_PROJECT_HELP,
        note="What the team did, decided or is blocked on (recorded in the plan)",
        task="Task id to take instead of the next one, e.g. 1.3",
        preview="Only propose the step: Apply or Discard it afterwards",
    )
    async def handoff_next(
        self,
        interaction: discord.Interaction,
        project: Project = None,
        note: app_commands.Range[str, 1, 2000] | None = None,
        task: app_commands.Range[str, 1, 20] | None = None,
        preview: bool = False,
    ) -> None:
        await defer(interaction)
        ctx = Ctx.of(interaction)
        await flows.step(ctx, interaction, await ctx.project(project), note=note, task=task, preview=preview)

    @app_commands.command(name="revert", description="Undo a step with a new commit (asks you to confirm).")
    @app_commands.describe(
        project=_PROJECT_HELP,
        step="handoff-next step number to undo (default: the newest step)",
        commit="Commit sha to undo instead of a step",
    )
    async def revert(
        self,
        interaction: discord.Interaction,
        project: Project = None,
        step: app_commands.Range[int, 1, 1000000] | None = None,
        commit: app_commands.Range[str, 4, 64] | None = None,
    ) -> None:
        await defer(interaction, ephemeral=True)
        ctx = Ctx.of(interaction)
        await flows.confirm_revert(ctx, interaction, await ctx.project(project), rev=commit, step_number=step)

    @app_commands.command(name="diff", description="Show the changes between two revisions (default: the last commit).")
    @app_commands.rename(from_="from")
    @app_commands.describe(
        project=_PROJECT_HELP,
        from_="Older revision (sha, tag like run/<id>, main~2); default: the last commit's parent",
        to="Newer revision; default: main",
    )
    async def diff(
        self,
        interaction: discord.Interaction,
        project: Project = None,
        from_: app_commands.Range[str, 1, 100] | None = None,
        to: app_commands.Range[str, 1, 100] | None = None,
    ) -> None:
        await defer(interaction)
        ctx = Ctx.of(interaction)
        name = await ctx.project(project)
        if from_ is None and to is not None:
            from_ = f"{to}~1"
        result = await services.diff(ctx.app, name, from_, to, guild_id=ctx.guild_id)
        await reply(interaction, render.render_diff(name, result))

    @app_commands.command(name="proposals", description="List the project's proposals, each with Apply and Discard.")
    @app_commands.describe(project=_PROJECT_HELP)
    async def proposals(self, interaction: discord.Interaction, project: Project = None) -> None:
        await defer(interaction)
        ctx = Ctx.of(interaction)
        name = await ctx.project(project)
        found = await services.list_proposals(ctx.app, name, guild_id=ctx.guild_id)
        await reply(interaction, render.render_proposals(name, found, now=datetime.now(UTC)))

    @app_commands.command(name="log", description="List the plan's history, newest first.")
    @app_commands.describe(project=_PROJECT_HELP)
    async def log(self, interaction: discord.Interaction, project: Project = None) -> None:
        await defer(interaction)
        ctx = Ctx.of(interaction)
        await reply(interaction, await flows.log_page(ctx, await ctx.project(project), 0))

    @app_commands.command(name="show", description="Show one plan file.")
    @app_commands.describe(project=_PROJECT_HELP, file="File path, e.g. devplan.md", rev="Revision; default: main")
    @app_commands.autocomplete(file=complete_file)
    async def show(
        self,
        interaction: discord.Interaction,
        file: app_commands.Range[str, 1, 200],
        project: Project = None,
        rev: app_commands.Range[str, 1, 100] | None = None,
    ) -> None:
        await defer(interaction)
        ctx = Ctx.of(interaction)
        name = await ctx.project(project)
        text = await services.show(ctx.app, name, file, rev=rev or "main", guild_id=ctx.guild_id)
        await reply(interaction, render.render_show(name, file, rev or "main", text))

    @app_commands.command(name="clone", description="Get the git clone command (sent only to you).")
    @app_commands.describe(project=_PROJECT_HELP)
    async def clone(self, interaction: discord.Interaction, project: Project = None) -> None:
        await defer(interaction, ephemeral=True)
        ctx = Ctx.of(interaction)
        info = await services.clone_url(ctx.app, await ctx.project(project), guild_id=ctx.guild_id)
        await reply(interaction, render.render_clone(info))

    @app_commands.command(name="projects", description="List this server's projects.")
    async def projects(self, interaction: discord.Interaction) -> None:
        await defer(interaction, ephemeral=True)
        ctx = Ctx.of(interaction)
        records = await services.list_projects(ctx.app, guild_id=ctx.guild_id)
        await reply(interaction, render.render_projects(records))

    @app_commands.command(name="version", description="Show the bot's version and this server's LLM.")
    async def version(self, interaction: discord.Interaction) -> None:
        await defer(interaction, ephemeral=True)
        ctx = Ctx.of(interaction)
        config = await services.effective_config(ctx.app, ctx.guild_id)
        await reply(interaction, render.render_version(__version__, config.provider, config.model, config.api_base))


def register(tree: app_commands.CommandTree[discord.Client]) -> None:
    """Add every command to ``tree``."""
    group = DevussyGroup()
    group.add_command(AdminGroup())
    tree.add_command(group)
    tree.add_command(ping)
