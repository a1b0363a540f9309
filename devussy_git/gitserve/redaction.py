"""Keep credentials out of logs.

:func:`redact` masks ``Authorization`` header values, ``Basic``/``Bearer``
credentials and the user-info part of URLs (``http://x:<token>@host``).
:class:`RedactingFilter` applies it to every log record a handler emits;
:func:`install_log_redaction` attaches it to handlers. This module must never
store or forward what it masks.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

__all__ = ["REDACTED", "RedactingFilter", "install_log_redaction", "redact"]

#: What a masked credential is replaced with.
REDACTED = "[redacted]"

_URL_USERINFO = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)[^/\s@'\"]+@")
_AUTH_HEADER = re.compile(
    r"(?P<name>\b(?:proxy-)?authorization\b['\"]?\s*[:=,]\s*(?-i:b)?['\"]?)[^'\"\r\n]+",
    re.IGNORECASE,
)
# A scheme followed by a credential-sized word (ours are 43+ characters); shorter
# words after "basic" are ordinary prose.
_AUTH_SCHEME = re.compile(r"\b(?P<scheme>basic|bearer)\s+[A-Za-z0-9+/=._~-]{16,}", re.IGNORECASE)


def redact(text: str) -> str:
    """``text`` with every credential it contains replaced by :data:`REDACTED`."""
    text = _URL_USERINFO.sub(lambda m: f"{m['scheme']}{REDACTED}@", text)
    text = _AUTH_HEADER.sub(lambda m: f"{m['name']}{REDACTED}", text)
    return _AUTH_SCHEME.sub(lambda m: f"{m['scheme']} {REDACTED}", text)


class RedactingFilter(logging.Filter):
    """A logging filter that rewrites each record's message with :func:`redact`.

    The message is formatted first (``msg % args``) so that credentials passed
    as arguments are caught too; exception text is redacted as well.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message or record.args:
            record.msg = cleaned
            record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


def install_log_redaction(handlers: Iterable[logging.Handler] | None = None) -> None:
    """Attach a :class:`RedactingFilter` to ``handlers``.

    By default: every handler configured right now, on the root logger and on
    every named logger (uvicorn's loggers have their own handlers and do not
    propagate). Call it after logging is configured -- with uvicorn, from the
    app's lifespan startup, which runs after uvicorn applied its log config.
    Filters on handlers see records from every logger that reaches them,
    which filters on loggers do not. Installing twice is harmless.
    """
    if handlers is None:
        loggers = [logging.getLogger()] + [
            item for item in logging.Logger.manager.loggerDict.values()
            if isinstance(item, logging.Logger)
        ]
        handlers = [handler for logger in loggers for handler in logger.handlers]
    for handler in handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())
