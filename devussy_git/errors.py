"""The error tree of devussy-git.

Every error the core raises derives from :class:`DevussyError` and carries a
``user_message``: a short text that is safe to show to the person who asked
(no secrets, no tracebacks). Branches follow what the caller can do::

    DevussyError
    ├── InvalidInputError        the user's input is wrong: fix it and retry
    │   └── InvalidProjectIdError
    ├── NotFoundError            project, run, revision, file, task unknown
    ├── ConflictError            someone else moved the plan / a run is going:
    │   │                        reload and retry
    │   ├── HeadMovedError       compare-and-swap on refs/heads/main lost
    │   ├── RevertConflictError  later commits touch what a revert would undo
    │   ├── RunAlreadyActiveError
    │   ├── RunOutdatedError     a failed run cannot resume: the answers it was
    │   │                        built from are no longer on main
    │   ├── RestartNeedsConfirmationError  a new run would start a plan with
    │   │                        progress over: ask, then retry with restart
    │   ├── RunCancelledError    the run was cancelled while it ran (resumable)
    │   ├── RunTakenOverError    another worker took the run over from this one
    │   └── ProjectArchivedError the project is read-only until restored
    ├── PermissionDeniedError    the caller may not do this
    ├── InvalidLLMOutputError    the model's reply cannot be used (re-ask it)
    │   └── InvalidEditError     a section edit failed validation; the message
    │                            is written for the model to read
    ├── ConfigurationError       this installation is set up wrong (a setting, a driver,
    │                            a program, a damaged or too new state database): fix
    │                            the setup and start again; retrying cannot help
    ├── UnavailableError         something devussy-git depends on is down or busy:
    │   │                        nothing changed, try again later (HTTP 503)
    │   ├── LLMUnavailableError  provider unreachable, auth refused, retries spent
    │   ├── DatabaseUnavailableError  the state database cannot be reached or failed
    │   ├── ProjectOnOtherNodeError   the project's repository is on another node: ask
    │   │                        that node (its serve proxies reads there)
    │   └── RunnerUnavailableError    the runner service cannot be reached or timed out
    └── StoreError               the git store failed (disk, locks, corruption)

Third-party errors are translated where the library is called
(``raise StoreError(...) from exc``); faces map these classes to a reply in
one place each.
"""

from __future__ import annotations

__all__ = [
    "ConfigurationError",
    "ConflictError",
    "DatabaseUnavailableError",
    "DevussyError",
    "HeadMovedError",
    "InvalidEditError",
    "InvalidInputError",
    "InvalidLLMOutputError",
    "InvalidProjectIdError",
    "LLMUnavailableError",
    "NotFoundError",
    "PermissionDeniedError",
    "ProjectArchivedError",
    "ProjectOnOtherNodeError",
    "RestartNeedsConfirmationError",
    "RevertConflictError",
    "RunAlreadyActiveError",
    "RunCancelledError",
    "RunOutdatedError",
    "RunTakenOverError",
    "RunnerUnavailableError",
    "StoreError",
    "UnavailableError",
]


class DevussyError(Exception):
    """Root of every error devussy-git raises on purpose."""

    def __init__(self, user_message: str, *, detail: str | None = None) -> None:
        super().__init__(user_message)
        self.user_message = user_message
        #: Extra text for logs (never secrets); not shown to end users.
        self.detail = detail


class InvalidInputError(DevussyError):
    """What the user typed or sent is not acceptable."""

    def __init__(
        self,
        user_message: str,
        *,
        problems: list[str] | None = None,
        detail: str | None = None,
        headline: str | None = None,
    ) -> None:
        super().__init__(user_message, detail=detail)
        #: Every problem found, when several were checked at once.
        self.problems: list[str] = list(problems or [])
        #: ``user_message`` without the problems, for a face that lists them itself.
        self.headline = headline


class InvalidProjectIdError(InvalidInputError):
    """A project id that is not a slug ``^[a-z0-9][a-z0-9-]{0,62}$``."""


class NotFoundError(DevussyError):
    """A project, run, revision, file, task or proposal that does not exist."""


class ConflictError(DevussyError):
    """The state changed under the caller; reload and try again."""


class RestartNeedsConfirmationError(ConflictError):
    """A new run would rewrite a plan that has progress; the caller must confirm.

    ``user_message`` shows the progress that would be started over; each face
    says how to confirm (``--yes``, ``"restart": true``, a button).
    """


class HeadMovedError(ConflictError):
    """A write expected ``refs/heads/main`` at one commit and found another."""

    def __init__(self, user_message: str, *, expected: str | None, actual: str | None) -> None:
        super().__init__(user_message)
        self.expected = expected
        self.actual = actual


class RevertConflictError(ConflictError):
    """Reverting a commit conflicts with later commits."""

    def __init__(
        self,
        user_message: str,
        *,
        paths: list[str] | None = None,
        later_commits: list[str] | None = None,
    ) -> None:
        super().__init__(user_message)
        self.paths: list[str] = list(paths or [])
        #: Full shas of the later commits that touched ``paths``, newest first.
        self.later_commits: list[str] = list(later_commits or [])


class RunAlreadyActiveError(ConflictError):
    """A project already has a run in progress."""


class RunCancelledError(ConflictError):
    """Someone cancelled the run while it ran; its committed stages stay on its ref."""


class RunTakenOverError(ConflictError):
    """The job queue gave this run to another worker (this one looked stalled); stop, write nothing."""


class RunOutdatedError(ConflictError):
    """A run cannot be resumed: ``main``'s interview answers changed since it started."""


class ProjectArchivedError(ConflictError):
    """The project is archived (read-only); it must be restored before any change."""

    @classmethod
    def of(cls, project_id: str) -> ProjectArchivedError:
        return cls(
            f"Project {project_id} is archived, so it is read-only. Restore it first: "
            f"`devussy-git restore {project_id}` (Discord: `/devussy admin restore`)."
        )


class PermissionDeniedError(DevussyError):
    """The caller lacks the role, token or ownership the action needs."""


class InvalidLLMOutputError(DevussyError):
    """The model's reply could not be parsed or used.

    ``model_message`` is what to send back to the model on a retry.
    """

    def __init__(self, user_message: str, *, model_message: str | None = None, detail: str | None = None) -> None:
        super().__init__(user_message, detail=detail)
        self.model_message = model_message or user_message


class InvalidEditError(InvalidLLMOutputError):
    """A batch of section edits failed validation; nothing was applied."""


class ConfigurationError(DevussyError):
    """The installation is set up wrong: an operator must fix a setting, a driver or a file."""


class UnavailableError(DevussyError):
    """A service devussy-git depends on is down, busy or not ready: nothing changed, retry later."""


class DatabaseUnavailableError(UnavailableError):
    """The state database cannot be reached, or a statement failed in a way a retry may fix."""


class ProjectOnOtherNodeError(UnavailableError):
    """The project is owned by another node: its repository is on that node's disk, not here."""

    def __init__(self, user_message: str, *, node: str) -> None:
        super().__init__(user_message)
        #: The node that owns the project.
        self.node = node


class RunnerUnavailableError(UnavailableError):
    """The runner service cannot be reached or did not answer in time."""


class LLMUnavailableError(UnavailableError):
    """The LLM could not be reached or refused us (never names the key)."""


class StoreError(DevussyError):
    """The git store (repositories and the files beside them) failed: disk, locks, corruption."""
