"""Checks on every name that reaches the store from outside.

Project ids, plan file paths, revision strings, ref names, trailer keys and
identities are checked here before any of them touches a path on disk or a
libgit2 call. This module must never import pygit2 or touch disk; it only
raises :class:`InvalidInputError` (or :class:`InvalidProjectIdError`).
"""

from __future__ import annotations

import re

from devussy_git.errors import InvalidInputError
from devussy_git.ids import (
    PROJECT_ID_RE,
    suggest_project_id,
    validate_new_project_id,
    validate_project_id,
)

from .models import Identity

__all__ = [
    "MAX_PATH_LENGTH",
    "PROJECT_ID_RE",
    "suggest_project_id",
    "validate_identity",
    "validate_new_project_id",
    "validate_path",
    "validate_project_id",
    "validate_ref_name",
    "validate_rev",
    "validate_tag_name",
]

MAX_PATH_LENGTH = 1024
_MAX_REV_LENGTH = 256
# Characters git check-ref-format refuses anywhere in a ref name.
_BAD_REF_CHARS = re.compile(r"[\x00-\x20\x7f~^:?*\[\\]")


def validate_path(path: str) -> str:
    """Return ``path`` when it is a safe, relative, ``/``-separated plan file path."""
    if not isinstance(path, str):
        raise InvalidInputError(f"A file path must be text, not {type(path).__name__}.")
    shown = repr(path)[:120]
    problem: str | None = None
    if not path:
        problem = "it is empty"
    elif len(path) > MAX_PATH_LENGTH:
        problem = f"it is longer than {MAX_PATH_LENGTH} characters"
    elif "\x00" in path or "\\" in path:
        problem = "it contains a NUL byte or a backslash"
    elif any(ord(c) < 0x20 or ord(c) == 0x7F for c in path):
        problem = "it contains a control character"
    elif path.startswith("/"):
        problem = "it is absolute"
    elif path.endswith("/"):
        problem = "it names a directory"
    else:
        parts = path.split("/")
        if any(p == "" for p in parts):
            problem = "it has an empty component"
        elif any(p in (".", "..") for p in parts):
            problem = "it contains '.' or '..'"
        elif any(p.lower() == ".git" for p in parts):
            problem = "it contains a '.git' component"
        else:
            try:
                path.encode("utf-8")
            except UnicodeEncodeError:
                problem = "it is not valid UTF-8"
    if problem is not None:
        raise InvalidInputError(f"Invalid file path {shown}: {problem}.")
    return path


def validate_rev(rev: str) -> str:
    """Return ``rev`` when it can safely be handed to revision parsing."""
    if not isinstance(rev, str) or not rev or len(rev) > _MAX_REV_LENGTH:
        raise InvalidInputError(f"Invalid revision {repr(rev)[:80]}.")
    if rev.startswith("-") or any(ord(c) < 0x20 for c in rev):
        raise InvalidInputError(f"Invalid revision {rev[:80]!r}.")
    return rev


def validate_ref_name(name: str) -> str:
    """Return a full ref name (``refs/...``) that passes git check-ref-format."""
    if not isinstance(name, str) or not name.startswith("refs/"):
        raise InvalidInputError(f"Invalid ref name {repr(name)[:80]}: it must start with 'refs/'.")
    problem: str | None = None
    if len(name) > _MAX_REV_LENGTH:
        problem = "it is too long"
    elif _BAD_REF_CHARS.search(name):
        problem = "it contains a space, control character or one of ~^:?*[\\"
    elif ".." in name or "@{" in name or "//" in name:
        problem = "it contains '..', '@{' or '//'"
    elif name.endswith(("/", ".")):
        problem = "it ends with '/' or '.'"
    else:
        parts = name.split("/")
        if len(parts) < 3:
            problem = "it needs a name after the namespace"
        elif any(p.startswith(".") or p.endswith(".lock") for p in parts):
            problem = "a component starts with '.' or ends with '.lock'"
        else:
            try:
                name.encode("utf-8")
            except UnicodeEncodeError:
                problem = "it is not valid UTF-8"
    if problem is not None:
        raise InvalidInputError(f"Invalid ref name {name[:80]!r}: {problem}.")
    return name


def validate_tag_name(name: str) -> str:
    """Return a tag name (``run/abc``) whose ref ``refs/tags/<name>`` is valid."""
    if not isinstance(name, str) or not name or name.startswith("refs/"):
        raise InvalidInputError(f"Invalid tag name {repr(name)[:80]}.")
    validate_ref_name("refs/tags/" + name)
    return name


def validate_identity(identity: Identity, role: str) -> Identity:
    """Return ``identity`` when git can record it (no ``<``, ``>``, newline)."""
    if not isinstance(identity, Identity):
        raise InvalidInputError(f"The {role} must be an Identity.")
    for value, what in ((identity.name, "name"), (identity.email, "email")):
        if not isinstance(value, str) or not value.strip():
            raise InvalidInputError(f"The {role} {what} is empty.")
        if any(c in value for c in "<>\n\r\x00") or len(value) > 256:
            raise InvalidInputError(f"The {role} {what} {value[:80]!r} is not allowed in git.")
    return identity
