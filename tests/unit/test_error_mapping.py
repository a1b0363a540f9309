"""Each branch of the error tree gets its own HTTP status; "unavailable" is a 503 to retry."""

from __future__ import annotations

import pytest

from devussy_git import errors
from devussy_git.faces.http import _status_for


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (errors.InvalidInputError("x"), 422),
        (errors.NotFoundError("x"), 404),
        (errors.ProjectArchivedError.of("p"), 409),
        (errors.RunAlreadyActiveError("x"), 409),
        (errors.PermissionDeniedError("x"), 403),
        (errors.LLMUnavailableError("x"), 503),
        (errors.DatabaseUnavailableError("x"), 503),
        (errors.RunnerUnavailableError("x"), 503),
        (errors.InvalidLLMOutputError("x"), 502),
        (errors.StoreError("x"), 500),
        (errors.ConfigurationError("x"), 500),
    ],
)
def test_status_of_each_branch(error: errors.DevussyError, status: int) -> None:
    assert _status_for(error) == status


def test_every_unavailable_error_is_one_branch() -> None:
    for cls in (errors.LLMUnavailableError, errors.DatabaseUnavailableError, errors.RunnerUnavailableError):
        assert issubclass(cls, errors.UnavailableError) and not issubclass(cls, errors.StoreError)
