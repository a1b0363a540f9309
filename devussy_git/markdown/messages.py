"""Error messages for failed edit batches, written for the model to act on.

Each failure says which edit failed, what was wrong and the nearest valid
targets; the message also lists the edits that were fine, because a batch is
all-or-nothing and the model must resend all of it. This module only formats
text: it never decides whether an edit is valid.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ..errors import InvalidEditError

__all__ = ["EditBatchError", "EditFailure", "Refusal", "batch_error", "nearest"]


class Refusal(Exception):
    """Raised inside the patcher when one edit cannot be applied."""

    def __init__(self, reason: str, *, nearest: Sequence[str] = (), hint: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.nearest = tuple(nearest)
        self.hint = hint


@dataclass(frozen=True, slots=True)
class EditFailure:
    """One edit of a batch that could not be applied."""

    index: int
    """1-based position in the batch."""
    label: str
    """``devplan.md, anchor PROGRESS_LOG, append``."""
    reason: str
    nearest: tuple[str, ...] = ()
    hint: str = ""


class EditBatchError(InvalidEditError):
    """An :class:`InvalidEditError` that also keeps the failures as data."""

    def __init__(
        self,
        user_message: str,
        *,
        model_message: str,
        failures: Sequence[EditFailure],
        valid: Sequence[tuple[int, str]],
    ) -> None:
        super().__init__(user_message, model_message=model_message)
        self.failures: tuple[EditFailure, ...] = tuple(failures)
        #: ``(index, label)`` of the edits that were fine.
        self.valid: tuple[tuple[int, str], ...] = tuple(valid)


def nearest(wanted: str, choices: Iterable[str], *, limit: int = 3) -> list[str]:
    """Choices most similar to ``wanted`` (case-insensitive), best first."""
    by_key: dict[str, str] = {}
    for choice in choices:
        by_key.setdefault(choice.casefold(), choice)
    keys = difflib.get_close_matches(wanted.casefold(), list(by_key), n=limit, cutoff=0.45)
    return [by_key[key] for key in keys]


def _numbers(indexes: Sequence[int]) -> str:
    shown = [str(i) for i in indexes]
    return shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " and " + shown[-1]


def batch_error(failures: Sequence[EditFailure], total: int, valid: Sequence[tuple[int, str]]) -> EditBatchError:
    """The error raised when at least one edit of a batch failed."""
    lines = [
        f"{len(failures)} of {total} edit{'s' if total != 1 else ''} failed; nothing was "
        "applied (a batch is all-or-nothing).",
        "",
    ]
    for failure in failures:
        lines.append(f"Edit {failure.index} ({failure.label}): {failure.reason}")
        if failure.nearest:
            lines.append("  Nearest valid targets: " + ", ".join(failure.nearest) + ".")
        if failure.hint:
            lines.append(f"  {failure.hint}")
    lines.append("")
    if valid:
        shown = "; ".join(f"{index} ({label})" for index, label in valid)
        lines.append(f"Valid edits, which will apply once the batch is fixed: {shown}.")
    else:
        lines.append("No edit of this batch was valid.")
    lines.append(
        f"Send the whole batch again with edit{'s' if len(failures) > 1 else ''} "
        f"{_numbers([f.index for f in failures])} fixed."
    )
    first = failures[0]
    more = f" (and {len(failures) - 1} more)" if len(failures) > 1 else ""
    user = f"The model's edits were rejected: edit {first.index}: {first.reason}{more}"
    return EditBatchError(user, model_message="\n".join(lines), failures=failures, valid=valid)
