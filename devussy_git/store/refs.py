"""Tags (``run/<id>``) and named refs (``refs/proposals/<id>``) of a plan repo.

Every name is checked with git's check-ref-format rules before it reaches
libgit2; every write goes through the writer lock. ``refs/heads/main`` can
be moved (with compare-and-swap) but never deleted here.
"""

from __future__ import annotations

import pygit2

from devussy_git.errors import ConflictError, InvalidInputError

from .core import ANY, MAIN_REF, RepoCore, _Any
from .validation import validate_ref_name, validate_tag_name

__all__ = ["RefsMixin"]


class RefsMixin(RepoCore):
    """Ref and tag vocabulary of :class:`PlanRepo`."""

    def get_ref(self, name: str) -> str | None:
        """The commit sha ``name`` (a full ref name) points at, or ``None``."""
        validate_ref_name(name)
        return self._ref_target(name)

    def list_refs(self, prefix: str) -> dict[str, str]:
        """Full ref name -> commit sha for every ref starting with ``prefix``."""
        if not isinstance(prefix, str) or not prefix.startswith("refs/"):
            raise InvalidInputError("A ref prefix must start with 'refs/'.")
        out: dict[str, str] = {}
        for name in self._repo.references:
            if not name.startswith(prefix):
                continue
            ref = self._repo.references.get(name)
            if ref is None:
                continue
            try:
                out[name] = str(ref.peel(pygit2.Commit).id)
            except (KeyError, pygit2.GitError):
                continue
        return dict(sorted(out.items()))

    def set_ref(self, name: str, target: str, *, expected: str | _Any | None = ANY) -> None:
        """Point the full ref ``name`` at the commit ``target`` names.

        ``expected`` makes it a compare-and-swap: a sha (the ref must point
        there), ``None`` (the ref must not exist) or :data:`ANY` (no check).
        """
        validate_ref_name(name)
        if not isinstance(expected, _Any):
            self._check_sha(expected, "expected value of the ref")
        sha = self.resolve(target)
        self._move_ref(name, sha, expected)

    def delete_ref(self, name: str) -> None:
        """Delete the full ref ``name`` (``NotFoundError`` when missing; main is refused)."""
        validate_ref_name(name)
        if name == MAIN_REF:
            raise InvalidInputError("The main branch of a plan cannot be deleted.")
        self._delete_ref(name)

    def create_tag(self, name: str, target: str) -> None:
        """Create the lightweight tag ``refs/tags/<name>`` at ``target``."""
        validate_tag_name(name)
        sha = self.resolve(target)
        full = "refs/tags/" + name
        if self._ref_target(full) is not None:
            raise ConflictError(f"Tag {name} already exists in project {self.project_id}.")
        self._move_ref(full, sha, None)

    def list_tags(self, prefix: str = "") -> dict[str, str]:
        """Tag name (without ``refs/tags/``) -> commit sha, for names starting with ``prefix``."""
        if not isinstance(prefix, str):
            raise InvalidInputError("A tag prefix must be text.")
        refs = self.list_refs("refs/tags/" + prefix)
        return {name.removeprefix("refs/tags/"): sha for name, sha in refs.items()}

    def delete_tag(self, name: str) -> None:
        """Delete the tag ``name`` (``NotFoundError`` when missing)."""
        validate_tag_name(name)
        self._delete_ref("refs/tags/" + name)
