"""The server secret that clone tokens are derived from.

``DEVUSSY_SECRET_KEY`` wins when set; otherwise the key is read from, or on
first start generated into, ``<repos_root>/.devussy-secret`` (mode 0600).
Creation is atomic and safe when two processes start at once: the file is
written completely under a temporary name and then hard-linked into place, so
a reader sees either no file or the whole key, and exactly one key wins.
This module must never log or return the key other than wrapped in
:class:`~devussy_git.config.Secret`.
"""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path

from devussy_git.config import Secret
from devussy_git.errors import StoreError

__all__ = ["SECRET_FILE_NAME", "load_or_create_secret_key"]

#: File name of the generated key inside the repos root.
SECRET_FILE_NAME = ".devussy-secret"

_KEY_RE = re.compile(r"[0-9a-f]{64}")


def load_or_create_secret_key(repos_root: Path, configured: Secret | None) -> Secret:
    """Return ``configured`` when given, else the key stored in ``repos_root``.

    The stored key is 32 random bytes, hex-encoded. Raises :class:`StoreError`
    when the file cannot be read or written, or holds something that is not a
    key (it is never silently replaced: tokens handed out would stop working).
    """
    if configured:
        return configured
    path = repos_root / SECRET_FILE_NAME
    try:
        repos_root.mkdir(parents=True, exist_ok=True)
        if not path.exists():
            _create(path)
        text = _read(path)
    except OSError as exc:
        raise StoreError(
            "Cannot read or create the server secret in the repos root.",
            detail=f"{path}: {exc.strerror or exc}",
        ) from exc
    if _KEY_RE.fullmatch(text) is None:
        raise StoreError(
            "The server secret file is damaged; restore it or set DEVUSSY_SECRET_KEY.",
            detail=f"{path} does not hold 64 hex characters",
        )
    return Secret(text)


def _create(path: Path) -> None:
    """Write a new key under a temporary name, then link it into place unless one exists."""
    tmp = path.with_name(f"{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(secrets.token_hex(32))
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass  # another process won the race; its key is the one to use
    finally:
        tmp.unlink(missing_ok=True)


def _read(path: Path) -> str:
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    with os.fdopen(fd, "r", encoding="ascii", errors="replace") as handle:
        return handle.read(256).strip()
