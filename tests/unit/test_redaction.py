"""Credentials never come out of a log handler."""

from __future__ import annotations

import io
import logging

import pytest

from devussy_git.redaction import (
    REDACTED,
    RedactingFormatter,
    install_log_redaction,
    redact,
)

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
        f'127.0.0.1:5000 - "GET /projects/p/files/a.md?rev=main&token={TOKEN} HTTP/1.1" 200',
    ],
)
def test_credentials_are_masked(text: str) -> None:
    cleaned = redact(text)
    assert TOKEN not in cleaned
    assert REDACTED in cleaned


@pytest.mark.parametrize(
    "text",
    [
        "GET /git/p.git/info/refs?service=git-upload-pack 200",
        "http://127.0.0.1:8000/git/p.git",
        "basic plan",
        "basic configuration",
        "the token verification failed",
        "no authorization needed",
    ],
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
    assert isinstance(handler.formatter, RedactingFormatter)
    assert not isinstance(handler.formatter.inner, RedactingFormatter)
    return logger


def test_handler_formatter_masks_messages_arguments_and_tracebacks() -> None:
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
    untouched = {h: h.formatter for h in _all_handlers() if not isinstance(h.formatter, RedactingFormatter)}
    try:
        install_log_redaction()
        logger.warning("GET http://x:%s@host/git/p.git", TOKEN)
    finally:
        logger.removeHandler(handler)
        for other, formatter in untouched.items():  # leave pytest's own handlers as they were
            other.setFormatter(formatter)
    assert TOKEN not in stream.getvalue()
    assert REDACTED in stream.getvalue()


class _ArgsShapeFormatter(logging.Formatter):
    """Like uvicorn's access formatter: unpacks ``record.args`` as a 3-tuple."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        client, path, status = record.args  # type: ignore[misc]
        return f"{client} {path} {status}"


def test_a_formatter_that_unpacks_args_still_gets_them() -> None:
    stream = io.StringIO()
    logger = logging.getLogger("test.redaction.args-shape")
    logger.propagate = False
    logger.setLevel(logging.INFO)
    handler = logging.StreamHandler(stream)
    handler.setFormatter(_ArgsShapeFormatter())
    plain = io.StringIO()
    other = logging.StreamHandler(plain)
    other.setFormatter(_ArgsShapeFormatter())
    logger.addHandler(handler)
    logger.addHandler(other)
    install_log_redaction([handler])
    try:
        logger.info("%s %s %s", "127.0.0.1:1", f"/git/p.git?token={TOKEN}", 200)
    finally:
        logger.removeHandler(handler)
        logger.removeHandler(other)
    assert stream.getvalue() == f"127.0.0.1:1 /git/p.git?token={REDACTED} 200\n"
    # the record itself is untouched: a second handler still sees the real arguments
    assert TOKEN in plain.getvalue()
