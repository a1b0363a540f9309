"""Clone tokens: who may read a project's plan repo over HTTP.

A token is ``HMAC-SHA256(server secret, project id + per-project salt)``,
url-safe base64 (256 bits). Only the salt and the ``public`` flag are stored,
in ``<repos_root>/<id>.git/devussy-access.json``; a leaked repo or database
alone does not reveal a token, yet the token can be shown again at any time.
Rotating replaces the salt, so the old token stops working.

Writes are atomic (temporary file + ``os.replace``) and serialised with an
advisory lock per repo. This module must never log a token or the secret, and
:meth:`CloneAccess.check` must answer the same way for an unknown project as
for a wrong token.
"""

from __future__ import annotations

import base64
import binascii
import fcntl
import hashlib
import hmac
import json
import logging
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

from devussy_git.config import Secret
from devussy_git.errors import InvalidInputError, NotFoundError, StoreError
from devussy_git.gitserve.paths import repo_dir

__all__ = ["ACCESS_FILE_NAME", "CloneAccess", "basic_auth_password"]

#: Per-project access state, inside the bare repo (git ignores unknown files there).
ACCESS_FILE_NAME = "devussy-access.json"
_LOCK_FILE_NAME = "devussy-access.lock"
_DUMMY_SALT = "0" * 32
_MAX_FILE_BYTES = 4096

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _AccessState:
    salt: str
    public: bool = False


def basic_auth_password(authorization_header: str | None) -> str | None:
    """The password of an HTTP Basic ``Authorization`` header, or ``None``.

    Any user name is accepted; a header that is not well-formed Basic yields ``None``.
    """
    if not authorization_header:
        return None
    scheme, _, encoded = authorization_header.strip().partition(" ")
    if scheme.lower() != "basic" or not encoded:
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    _user, sep, password = decoded.partition(":")
    return password if sep and password else None


class CloneAccess:
    """Derives, rotates and checks clone tokens for the repos under ``repos_root``."""

    def __init__(self, repos_root: Path, secret_key: Secret) -> None:
        if not secret_key:
            raise InvalidInputError("The server secret key must not be empty.")
        self._root = repos_root
        self._key = secret_key.get().encode("utf-8")

    def token_for(self, project_id: str) -> str:
        """The project's clone token; creates its salt on first use.

        Raises :class:`InvalidProjectIdError`/:class:`NotFoundError` for a bad
        or unknown project and :class:`StoreError` when the state cannot be kept.
        """
        repo = repo_dir(self._root, project_id)
        state = self._read(repo)
        if state is None:
            with self._locked(repo):
                state = self._read(repo)
                if state is None:
                    state = _AccessState(salt=secrets.token_hex(16))
                    self._write(repo, state)
        return self._derive(project_id, state.salt)

    def rotate(self, project_id: str) -> str:
        """Give the project a new token; the old one stops working at once."""
        repo = repo_dir(self._root, project_id)
        with self._locked(repo):
            old = self._read(repo)
            state = _AccessState(salt=secrets.token_hex(16), public=bool(old and old.public))
            self._write(repo, state)
        return self._derive(project_id, state.salt)

    def set_public(self, project_id: str, public: bool) -> None:
        """Make the project cloneable without a token (``True``) or require one again."""
        repo = repo_dir(self._root, project_id)
        with self._locked(repo):
            old = self._read(repo) or _AccessState(salt=secrets.token_hex(16))
            self._write(repo, replace(old, public=public))

    def is_public(self, project_id: str) -> bool:
        """Whether the project can be cloned without a token."""
        state = self._read(repo_dir(self._root, project_id))
        return bool(state and state.public)

    def check(self, project_id: str, authorization_header: str | None) -> bool:
        """Whether a request with this ``Authorization`` header may read the project.

        ``True`` for a public project, or when the Basic password equals the
        token (compared in constant time). ``False`` for a wrong or missing
        token and for an invalid or unknown project, after the same HMAC work.
        """
        state: _AccessState | None = None
        try:
            state = self._read(repo_dir(self._root, project_id))
        except (InvalidInputError, NotFoundError):
            state = None
        except StoreError as exc:
            log.warning("access state of %r unreadable: %s", project_id, exc.detail)
            state = None
        if state is not None and state.public:
            return True
        expected = self._derive(project_id, state.salt if state else _DUMMY_SALT)
        presented = basic_auth_password(authorization_header) or ""
        matches = hmac.compare_digest(expected.encode("ascii"), presented.encode("utf-8", errors="replace"))
        return matches and state is not None

    def node_token(self) -> str:
        """The token nodes present to each other's node-sync endpoints (``Authorization: Bearer``).

        Derived from the server secret: the same on every node that shares ``DEVUSSY_SECRET_KEY``.
        """
        return hmac.new(self._key, b"devussy-node-sync", hashlib.sha256).hexdigest()

    def check_node(self, authorization_header: str | None) -> bool:
        """Whether the header carries the node token (compared in constant time)."""
        scheme, _, given = (authorization_header or "").strip().partition(" ")
        presented = given.strip().encode("utf-8", errors="replace")
        return hmac.compare_digest(self.node_token().encode("ascii"), presented) and scheme.lower() == "bearer"

    def _derive(self, project_id: str, salt: str) -> str:
        message = f"devussy-clone-token\x00{project_id}\x00{salt}".encode()
        digest = hmac.new(self._key, message, hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")

    @staticmethod
    def _read(repo: Path) -> _AccessState | None:
        path = repo / ACCESS_FILE_NAME
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise StoreError("Cannot read the project's clone settings.", detail=f"{path}: {exc}") from exc
        with os.fdopen(fd, "rb") as handle:
            raw = handle.read(_MAX_FILE_BYTES)
        try:
            data = json.loads(raw)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise StoreError("The project's clone settings are damaged.", detail=f"{path}: {exc}") from exc
        salt = data.get("salt") if isinstance(data, dict) else None
        public = data.get("public", False) if isinstance(data, dict) else None
        if not isinstance(salt, str) or len(salt) < 16 or not isinstance(public, bool):
            raise StoreError("The project's clone settings are damaged.", detail=f"{path}: bad fields")
        return _AccessState(salt=salt, public=public)

    @staticmethod
    def _write(repo: Path, state: _AccessState) -> None:
        path = repo / ACCESS_FILE_NAME
        tmp = repo / f"{ACCESS_FILE_NAME}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
        payload = json.dumps({"salt": state.salt, "public": state.public}).encode()
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(payload)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, path)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise StoreError("Cannot save the project's clone settings.", detail=f"{path}: {exc}") from exc

    @staticmethod
    @contextmanager
    def _locked(repo: Path) -> Iterator[None]:
        lock_path = repo / _LOCK_FILE_NAME
        try:
            fd = os.open(lock_path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
        except OSError as exc:
            raise StoreError("Cannot lock the project's clone settings.", detail=f"{lock_path}: {exc}") from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)
