"""Apply one model reply's edits across the files of a plan: all or nothing.

Every ``edit.file`` must be one of the plan's files, named exactly as given;
paths that try to leave the plan (``../x.md``, ``/etc/x``, ``.git/config``,
backslashes) are refused with their reason, unknown names with the nearest
valid ones. Failures of all files are collected into one model-facing
:class:`~devussy_git.errors.InvalidEditError`. Pure: files come in as a
mapping of texts and go out as :class:`PatchResult` values; nothing is written.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from .document import Document
from .edits import AnyEdit, describe
from .messages import EditBatchError, EditFailure, batch_error, nearest
from .patcher import DEFAULT_MAX_CONTENT, PatchResult, apply_edits

__all__ = ["apply_plan_edits", "check_path"]


def check_path(path: str, files: Mapping[str, object]) -> EditFailure | None:
    """Why ``path`` is not a file of the plan (index and label left empty), if it is not."""
    reason = None
    if path.startswith(("/", "\\")) or (len(path) > 1 and path[1] == ":"):
        reason = f"'{path}' is an absolute path; name a plan file relative to the plan root."
    elif "\\" in path:
        reason = f"'{path}' contains a backslash; use a plan file name like 'devplan.md'."
    elif any(part == ".." for part in path.split("/")):
        reason = f"'{path}' points outside the plan; only the plan's own files can be edited."
    elif any(part == ".git" for part in path.split("/")):
        reason = f"'{path}' is inside git's own data; only the plan's markdown files can be edited."
    elif path not in files:
        reason = f"there is no file '{path}' in this plan."
    if reason is None:
        return None
    return EditFailure(0, "", reason, tuple(nearest(path, files) or sorted(files)[:8]))


def apply_plan_edits(
    files: Mapping[str, str | Document],
    edits: Sequence[AnyEdit],
    *,
    max_content: int = DEFAULT_MAX_CONTENT,
    normalize: bool = True,
) -> dict[str, PatchResult]:
    """Apply ``edits`` to ``files`` (path -> text or parsed Document); results only for
    changed files."""
    failures: list[EditFailure] = []
    valid: list[tuple[int, str]] = []
    groups: dict[str, list[tuple[int, AnyEdit]]] = {}
    for index, edit in enumerate(edits, start=1):
        problem = check_path(edit.file, files)
        if problem is not None:
            failures.append(EditFailure(index, describe(edit), problem.reason, problem.nearest))
        else:
            groups.setdefault(edit.file, []).append((index, edit))
    results: dict[str, PatchResult] = {}
    for path, numbered in groups.items():
        try:
            result = apply_edits(
                files[path],
                [edit for _, edit in numbered],
                max_content=max_content,
                file=path,
                normalize=normalize,
            )
        except EditBatchError as error:
            failed, fine = _renumber(error, numbered)
            failures.extend(failed)
            valid.extend(fine)
            continue
        valid.extend((index, describe(edit)) for index, edit in numbered)
        if result.changed:
            results[path] = result
    if not edits:
        failures.append(EditFailure(0, "no edits", "the batch holds no edits."))
    if failures:
        failures.sort(key=lambda f: f.index)
        valid.sort()
        raise batch_error(failures, len(edits), valid)
    return results


def _renumber(
    error: EditBatchError, numbered: Sequence[tuple[int, AnyEdit]]
) -> tuple[list[EditFailure], list[tuple[int, str]]]:
    """Map a one-file failure (numbered within the file) back to batch numbers."""
    local = error.failures
    failed = [EditFailure(numbered[f.index - 1][0], f.label, f.reason, f.nearest, f.hint) for f in local]
    bad = {f.index for f in local}
    fine = [(index, describe(edit)) for pos, (index, edit) in enumerate(numbered, 1) if pos not in bad]
    return failed, fine
