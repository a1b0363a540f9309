"""Keep credentials out of logs.

:func:`redact` masks ``Authorization`` header values, ``Basic``/``Bearer``
credentials and the user-info part of URLs (``http://x:<token>@host``).
:class:`RedactingFormatter` applies it to every line a handler writes;
:func:`install_log_redaction` wraps handlers' formatters with it. Records are
never changed, so every formatter keeps working on the record it expects. This module must never
store or forward what it masks.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

__all__ = ["REDACTED", "RedactingFormatter", "install_log_redaction", "redact"]

#: What a masked credential is replaced with.
REDACTED = "[redacted]"

_URL_USERINFO = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)[^/\s@'\"]+@")
_AUTH_HEADER = re.compile(
    r"(?P<name>\b(?:proxy-)?authorization\b['\"]?\s*[:=,]\s*(?-i:b)?['\"]?)[^'\"\r\n]+",
    re.IGNORECASE,
)
# A scheme followed by a credential-sized word (ours are 43+ characters); shorter
# words after "basic" are ordinary prose.
# Credentials in a query string (``?token=…``, ``&api_key=…``).
_QUERY_SECRET = re.compile(
    r"(?P<name>[?&](?:token|access_token|api_key|apikey|key|password|secret)=)[^&#\s\"']+",
    re.IGNORECASE,
)
_AUTH_SCHEME = re.compile(r"\b(?P<scheme>basic|bearer)\s+[A-Za-z0-9+/=._~-]{16,}", re.IGNORECASE)


def redact(text: str) -> str:
    """``text`` with every credential it contains replaced by :data:`REDACTED`."""
    text = _URL_USERINFO.sub(lambda m: f"{m['scheme']}{REDACTED}@", text)
    text = _AUTH_HEADER.sub(lambda m: f"{m['name']}{REDACTED}", text)
    text = _QUERY_SECRET.sub(lambda m: f"{m['name']}{REDACTED}", text)
    return _AUTH_SCHEME.sub(lambda m: f"{m['scheme']} {REDACTED}", text)


class RedactingFormatter(logging.Formatter):
    """Formats with another formatter, then applies :func:`redact` to the text.

    The record is never changed: every formatter keeps the ``msg``/``args``
    shape it expects (uvicorn's access formatter unpacks a 5-tuple of args),
    and credentials passed as arguments, in the message or in a traceback are
    caught in the finished line.
    """

    def __init__(self, inner: logging.Formatter | None = None) -> None:
        super().__init__()
        #: The formatter that lays the line out; ``logging``'s default when None.
        self.inner = inner if inner is not None else logging.Formatter()

    def format(self, record: logging.LogRecord) -> str:
        return redact(self.inner.format(record))


def install_log_redaction(handlers: Iterable[logging.Handler] | None = None) -> None:
    """Make ``handlers`` write every line through a :class:`RedactingFormatter`.

    By default: every handler configured right now, on the root logger and on
    every named logger (uvicorn's loggers have their own handlers and do not
    propagate). Call it after logging is configured -- with uvicorn, from the
    app's lifespan startup, which runs after uvicorn applied its log config.
    Each handler keeps its own formatter, wrapped. Installing twice is harmless.
    """
    if handlers is None:
        loggers = [logging.getLogger()] + [
            item for item in logging.Logger.manager.loggerDict.values() if isinstance(item, logging.Logger)
        ]
        handlers = [handler for logger in loggers for handler in logger.handlers]
    for handler in handlers:
        if not isinstance(handler.formatter, RedactingFormatter):
            handler.setFormatter(RedactingFormatter(handler.formatter))
