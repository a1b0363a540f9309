"""Project ids: the slug rule, the stricter rule for new projects, and a suggestion.

A project id names a repository (``<id>.git``), a database row and a URL path,
so it is checked before anything else is built. This module imports nothing
heavy (not even pygit2): the CLI checks an id before it builds the app.
"""

from __future__ import annotations

import re
import unicodedata

from devussy_git.errors import InvalidProjectIdError

__all__ = ["PROJECT_ID_RE", "suggest_project_id", "validate_new_project_id", "validate_project_id"]

PROJECT_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")


def suggest_project_id(text: str) -> str | None:
    """A valid id made from ``text`` (``'Shop API'`` -> ``'shop-api'``,
    ``'Ünïcode Café'`` -> ``'unicode-cafe'``), or ``None``.

    Accented letters keep their base letter, as a project's name does when its id is
    made from it (``plan.interview.slugify``); other characters separate words.
    """
    if not isinstance(text, str):
        return None
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    words: list[str] = re.findall(r"[a-z0-9]+", ascii_text.lower())
    slug = ""
    for word in words:
        if not slug and len(word) > 63:
            return word[:63]
        candidate = f"{slug}-{word}" if slug else word
        if len(candidate) > 63:
            break
        slug = candidate
    return slug or None


def _shown(value: object) -> str:
    """``value`` quoted for a message, shortened whole (never cut mid-quote)."""
    if isinstance(value, str) and len(value) > 40:
        return f"{value[:40]!r}… ({len(value)} characters)"
    return repr(value)


def _refuse_id(project_id: object, problem: str) -> InvalidProjectIdError:
    suggestion = suggest_project_id(project_id) if isinstance(project_id, str) else None
    hint = f" Try {suggestion!r}." if suggestion and suggestion != project_id else ""
    return InvalidProjectIdError(f"Invalid project id {_shown(project_id)}: {problem}.{hint}")


def validate_project_id(project_id: str) -> str:
    """Return ``project_id`` when it is a slug ``^[a-z0-9][a-z0-9-]{0,62}$``."""
    if not isinstance(project_id, str) or not PROJECT_ID_RE.fullmatch(project_id):
        raise _refuse_id(project_id, "use 1-63 lower-case letters, digits or '-', starting with a letter or digit")
    return project_id


def validate_new_project_id(project_id: str) -> str:
    """The id of a project being created: a slug that also does not end in '-' or hold '--'.

    Existing projects keep any id :func:`validate_project_id` accepts.
    """
    validate_project_id(project_id)
    if project_id.endswith("-") or "--" in project_id:
        raise _refuse_id(project_id, "a project id may not end with '-' or hold '--'")
    return project_id
