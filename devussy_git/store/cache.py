"""Cache files: small derived values kept next to a repository, never its truth.

``<repo>/devussy-cache-<name>.json`` holds what a caller computed from the
repository's content (e.g. the plan's progress, keyed by the blob ids it was
read from) so that the next process can skip the work. A cache is never
needed for correctness: a missing, unreadable or damaged file reads as
``None`` and the caller computes again; a write that fails is dropped. Each
write goes to a temporary file of its own and is renamed into place, so
concurrent writers never interleave and a reader sees one whole file or none;
the last rename wins.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile

from devussy_git.errors import InvalidInputError

from .core import RepoCore

__all__ = ["CacheMixin"]

_NAME = re.compile(r"[a-z][a-z0-9-]{0,40}")
_PREFIX = "devussy-cache-"


def _file_name(name: str) -> str:
    if not _NAME.fullmatch(name):
        raise InvalidInputError(f"Invalid cache name {name!r}.")
    return f"{_PREFIX}{name}.json"


class CacheMixin(RepoCore):
    """Cache vocabulary of :class:`PlanRepo`."""

    def read_cache(self, name: str) -> str | None:
        """The text last written as cache ``name``; ``None`` when there is none to read."""
        try:
            return (self.path / _file_name(name)).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return None

    def write_cache(self, name: str, text: str) -> bool:
        """Replace cache ``name`` with ``text`` atomically; ``False`` when it could not be written."""
        target = self.path / _file_name(name)
        try:
            fd, tmp = tempfile.mkstemp(prefix=target.name + ".", suffix=".tmp", dir=self.path)
        except OSError:
            return False
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(text)
            os.replace(tmp, target)
        except OSError:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            return False
        return True
