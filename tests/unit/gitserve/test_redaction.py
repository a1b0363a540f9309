"""Credentials never come out of a log handler."""

from __future__ import annotations

import io
import logging

import pytest

from devussy_git.gitserve.redaction import REDACTED, RedactingFilter, install_log_redaction, redact

TOKEN = "Zq3xY-8kLmN0pQrStUvWxYz_0123456789abcdEfgh"


@pytest.mark.parametrize(
    "text",
    [
        f"cloning http://x:{TOKEN}@127.0.0.1:8000/git/p.git",
        f"remote https://{TOKEN}@example.com/git/p.git failed",
        f"Authorization: Basic {TOKEN}",
        f"authorization={TOKEN}",
        f"headers={{'authorization': 'Basic {TOKEN}'}}",
        f"[(b'authorization', b'Basic {TOKEN}')]",
        f"PROXY-AUTHORIZATION: Bearer {TOKEN}",
        f"sent basic {TOKEN} upstream",
    ],
)
def test_credentials_are_masked(text: str) -> None:
    cleaned = redact(text)
    assert TOKEN not in cleaned
    assert REDACTED in cleaned


@pytest.mark.parametrize(
    "text",
    ["GET /git/p.git/info/refs?service=git-upload-pack 200", "http://127.0.0.1:8000/git/p.git",
     "basic plan", "basic configuration", "the token verification failed",
     "no authorization needed"],
)
def test_harmless_text_is_unchanged(text: str) -> None:
    assert redact(text) == text


def _logger_to(stream: io.StringIO) -> logging.Logger:
    logger = logging.getLogger(f"test.redaction.{id(stream)}")
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    handler = logging.StreamHandler(stream)
    logger.addHandler(handler)
    install_log_redaction([handler])
    install_log_redaction([handler])
    assert sum(isinstance(f, RedactingFilter) for f in handler.filters) == 1
    return logger


def test_handler_filter_masks_messages_arguments_and_tracebacks() -> None:
    stream = io.StringIO()
    logger = _logger_to(stream)
    logger.info("clone url %s", f"http://x:{TOKEN}@host/git/p.git")
    logger.warning("headers: %r", {"Authorization": f"Basic {TOKEN}"})
    try:
        raise RuntimeError(f"fetch http://x:{TOKEN}@host failed")
    except RuntimeError:
        logger.exception("boom")
    output = stream.getvalue()
    assert TOKEN not in output
    assert "clone url http://[redacted]@host/git/p.git" in output
    assert "RuntimeError" in output


def _all_handlers() -> list[logging.Handler]:
    loggers = [logging.getLogger()] + [
        item for item in logging.Logger.manager.loggerDict.values() if isinstance(item, logging.Logger)
    ]
    return [handler for logger in loggers for handler in logger.handlers]


def test_default_install_covers_handlers_of_named_loggers() -> None:
    stream = io.StringIO()
    logger = logging.getLogger("test.redaction.uvicorn-like")
    logger.propagate = False
    handler = logging.StreamHandler(stream)
    logger.addHandler(handler)
    untouched = [h for h in _all_handlers() if not any(isinstance(f, RedactingFilter) for f in h.filters)]
    try:
        install_log_redaction()
        logger.warning("GET http://x:%s@host/git/p.git", TOKEN)
    finally:
        logger.removeHandler(handler)
        for other in untouched:  # leave pytest's own handlers as they were
            for flt in [f for f in other.filters if isinstance(f, RedactingFilter)]:
                other.removeFilter(flt)
    assert TOKEN not in stream.getvalue()
    assert REDACTED in stream.getvalue()
