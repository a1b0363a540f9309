"""Log lines of the bot carry the guild, user, project, run and error ids.

The face logs with ``extra={"guild_id": …, "project_id": …, "run_id": …}``;
:class:`ContextFormatter` appends whichever are set, so a user's error id
leads straight to the traceback and the ids around it. Never formats a
message's content or a secret (clone URLs go through the redaction filter).
"""

from __future__ import annotations

import logging

__all__ = ["CONTEXT_FIELDS", "ContextFormatter"]

#: ``extra`` keys shown after the message, in this order.
CONTEXT_FIELDS: tuple[str, ...] = ("error_id", "guild_id", "user_id", "project_id", "run_id", "command")


class ContextFormatter(logging.Formatter):
    """``<time> <level> <logger>: <message> [guild_id=… project_id=…]``."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        context = " ".join(
            f"{name}={getattr(record, name)}" for name in CONTEXT_FIELDS if getattr(record, name, None) is not None
        )
        if not context:
            return text
        first, newline, rest = text.partition("\n")
        return f"{first} [{context}]{newline}{rest}"
