"""Clone URLs and ready-to-paste commands for people.

Built from ``DEVUSSY_PUBLIC_URL`` and a project's token. The result holds the
token in clear on purpose (it is shown to someone allowed to see it); callers
must never log a :class:`CloneInfo`, and its ``repr`` hides the secret parts.
"""

from __future__ import annotations

import base64
import shlex
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

from devussy_git.errors import InvalidInputError
from devussy_git.gitserve.access import CloneAccess
from devussy_git.store import validate_project_id

__all__ = ["TOKEN_ENV_VAR", "CloneInfo", "clone_info"]

#: Environment variable the credential-helper command reads the token from.
TOKEN_ENV_VAR = "DEVUSSY_CLONE_TOKEN"


@dataclass(frozen=True)
class CloneInfo:
    """How to clone one project's plan repo."""

    project_id: str
    #: Clone URL; with ``x:<token>@`` unless the project is public.
    url: str = field(repr=False)
    #: Whether the project can be cloned without a token.
    public: bool
    #: The URL without credentials (what ``git remote -v`` should show).
    plain_url: str
    #: Shell command lines: the one-liner first, then forms that keep the
    #: token out of the remote URL (``http.extraHeader``, a credential helper).
    commands: list[str] = field(repr=False)
    #: One line per command: where it keeps the token, and whether ``git pull``
    #: keeps working in a new shell.
    labels: list[str] = field(default_factory=list)


def clone_info(access: CloneAccess, public_url: str, project_id: str) -> CloneInfo:
    """The clone URL and commands of ``project_id`` as served under ``public_url``.

    Raises :class:`InvalidInputError` for a public URL that is not http(s),
    and what :meth:`CloneAccess.token_for` raises for a bad or unknown project.
    """
    validate_project_id(project_id)
    parts = urlsplit(public_url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInputError(f"DEVUSSY_PUBLIC_URL must be an http(s) URL, got {public_url!r}")
    netloc = parts.netloc.rpartition("@")[2]  # never reuse credentials from the setting
    path = f"{parts.path.rstrip('/')}/git/{project_id}.git"
    plain_url = urlunsplit((parts.scheme, netloc, path, "", ""))
    if access.is_public(project_id):
        return CloneInfo(
            project_id=project_id,
            url=plain_url,
            public=True,
            plain_url=plain_url,
            commands=[f"git clone {shlex.quote(plain_url)}"],
            labels=["public: no token needed"],
        )
    token = access.token_for(project_id)
    url = urlunsplit((parts.scheme, f"x:{token}@{netloc}", path, "", ""))
    basic = base64.b64encode(f"x:{token}".encode()).decode("ascii")
    helper = '!f() { test "$1" = get && echo username=x && echo "password=$' + TOKEN_ENV_VAR + '"; }; f'
    commands = [
        f"git clone {shlex.quote(url)}",
        "git clone -c " + shlex.quote(f"http.extraHeader=Authorization: Basic {basic}") + f" {shlex.quote(plain_url)}",
        f"export {TOKEN_ENV_VAR}={shlex.quote(token)}; git clone -c "
        + shlex.quote(f"credential.helper={helper}")
        + f" {shlex.quote(plain_url)}",
    ]
    labels = [
        "token stored in the clone's .git/config as part of the remote URL; git pull keeps working",
        "token stored in the clone's .git/config as an http.extraHeader (the remote URL stays "
        "clean); git pull keeps working",
        f"nothing stored: git pull works only in a shell where {TOKEN_ENV_VAR} is exported",
    ]
    return CloneInfo(
        project_id=project_id,
        url=url,
        public=False,
        plain_url=plain_url,
        commands=commands,
        labels=labels,
    )
