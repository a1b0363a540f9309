"""The Discord face (``devussy-git bot``): slash commands, interview threads,
live run progress, diff previews with persistent buttons, per-guild admin.

Importing this package is light: discord.py and the rest of the face load in
:func:`run_bot`. The face parses input, calls :mod:`devussy_git.services`,
renders with :mod:`.render` and sends with
:mod:`.send`; it holds no use-case logic of its own.
"""

from __future__ import annotations

import json
import logging
import sys

from devussy_git.config import Settings, load_settings

__all__ = ["run_bot"]


def run_bot(dump_commands: bool = False, *, settings: Settings | None = None) -> int:
    """Start the bot; with ``dump_commands``, print the sync payload and return.

    Returns the process exit code: 1 with a clear message when
    ``DISCORD_TOKEN`` is missing.
    """
    if dump_commands:
        from devussy_git.faces.discord.bot import command_payload

        print(json.dumps(command_payload(settings), indent=2, sort_keys=True, ensure_ascii=False))
        return 0
    settings = settings or load_settings()
    if settings.discord_token is None:
        print(
            "error: DISCORD_TOKEN is not set. Put the bot token from the Discord developer portal "
            "in DISCORD_TOKEN (environment or .env); see docs/DISCORD.md.",
            file=sys.stderr,
        )
        return 1
    if settings.executor == "queue":
        _check_queue(settings)  # the job queue must exist before runs are submitted to it
    import discord

    from devussy_git.faces.discord.bot import DevussyBot
    from devussy_git.faces.discord.logs import ContextFormatter
    from devussy_git.redaction import RedactingFormatter

    handler = logging.StreamHandler()
    bot = DevussyBot(settings)
    try:
        bot.run(
            settings.discord_token.get(),
            log_handler=handler,
            log_formatter=RedactingFormatter(ContextFormatter()),
            log_level=logging.INFO,
            root_logger=True,
        )
    except discord.LoginFailure:
        print(STARTUP_ERRORS["login"], file=sys.stderr)
        return 1
    except discord.PrivilegedIntentsRequired:
        print(STARTUP_ERRORS["intents"], file=sys.stderr)
        return 1
    return 0


def _check_queue(settings: Settings) -> None:
    import asyncio

    from devussy_git import services
    from devussy_git.app import build_app

    async def check() -> None:
        app = await build_app(settings)
        try:
            await services.check_queue_ready(app)
        finally:
            await app.close()

    asyncio.run(check())


#: What to change in the developer portal when Discord refuses the bot at start-up.
STARTUP_ERRORS = {
    "login": (
        "error: Discord refused the bot token in DISCORD_TOKEN: it is wrong, or it was reset. "
        "In the Discord developer portal open Applications → your application → Bot, press "
        "Reset Token, and put the new token in DISCORD_TOKEN (environment or .env)."
    ),
    "intents": (
        "error: the bot needs the Message Content intent (it reads typed interview answers in "
        "threads), and it is off for this application. In the Discord developer portal open "
        "Applications → your application → Bot → Privileged Gateway Intents, turn on Message "
        "Content Intent, save, and start the bot again."
    ),
}
