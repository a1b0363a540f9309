"""The CGI contract with ``git http-backend``: its environment and its header block.

Pure functions, no process handling (that is :mod:`devussy_git.gitserve.backend`).
The environment is built from scratch: the server's own environment, the
client's ``Authorization`` header and any ``REMOTE_USER`` are never passed on,
so the backend cannot see credentials and refuses pushes by itself too.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from devussy_git.errors import ConfigurationError

__all__ = [
    "BACKEND_GIT_CONFIG",
    "CgiHead",
    "CgiHeaderError",
    "backend_command",
    "build_cgi_env",
    "git_executable",
    "parse_cgi_head",
]

#: Git configuration forced on the backend (passed as GIT_CONFIG_* variables):
#: proposals and runs in progress are not advertised, nothing but smart upload-pack is served.
BACKEND_GIT_CONFIG: tuple[tuple[str, str], ...] = (
    ("uploadpack.hideRefs", "refs/proposals"),
    ("uploadpack.hideRefs", "refs/runs"),
    ("http.receivepack", "false"),
    ("http.getanyfile", "false"),
    ("http.uploadpack", "true"),
    ("uploadpack.allowAnySHA1InWant", "false"),
    ("uploadpack.allowReachableSHA1InWant", "false"),
    ("uploadpack.allowTipSHA1InWant", "false"),
)

#: Request headers handed to the backend as ``HTTP_*`` variables, with the
#: values they may take (anything else is dropped).
_PASSED_HEADERS: Mapping[str, re.Pattern[str]] = {
    "git-protocol": re.compile(r"[A-Za-z0-9=:._-]{1,256}"),
    "content-encoding": re.compile(r"(?:x-)?gzip|identity", re.IGNORECASE),
    "accept-encoding": re.compile(r"[A-Za-z0-9,;=. *-]{1,256}"),
    "user-agent": re.compile(r"[ -~]{1,256}"),
}
_CONTENT_TYPE = re.compile(r"[A-Za-z0-9!#$&^_.+-]+/[A-Za-z0-9!#$&^_.+-]+(?:\s*;[ -~]*)?")
_HOP_BY_HOP = frozenset({"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "content-length"})
_MAX_HEAD_LINES = 64


class CgiHeaderError(Exception):
    """The backend's output did not start with a valid CGI header block."""


@dataclass(frozen=True)
class CgiHead:
    """The parsed header block of a CGI response."""

    status: int
    #: Response headers to forward (lower-case names; ``Status`` removed).
    headers: tuple[tuple[str, str], ...]


@lru_cache(maxsize=1)
def git_executable() -> str:
    """The path of the ``git`` program."""
    git = shutil.which("git")
    if git is None:
        raise ConfigurationError("git is not installed.", detail="no git on PATH")
    return git


@lru_cache(maxsize=1)
def backend_command() -> tuple[str, ...]:
    """The argv of ``git http-backend`` (found via ``git --exec-path``)."""
    git = git_executable()
    try:
        exec_path = subprocess.run(
            [git, "--exec-path"], check=True, capture_output=True, text=True, timeout=30
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError) as exc:
        raise ConfigurationError("Cannot run git.", detail=str(exc)) from exc
    backend = Path(exec_path) / "git-http-backend"
    if backend.is_file() and os.access(backend, os.X_OK):
        return (str(backend),)
    return (git, "http-backend")


def build_cgi_env(
    *,
    repos_root: Path,
    method: str,
    path_info: str,
    query_string: str,
    headers: Mapping[str, str],
    remote_addr: str,
    server_name: str,
    server_port: str,
    hide_unfinished: bool = True,
) -> dict[str, str]:
    """The complete environment of one ``git http-backend`` run.

    ``headers`` are the request headers (any case). ``path_info`` and
    ``query_string`` must already be validated by the caller. ``hide_unfinished=False``
    advertises ``refs/runs/*`` and ``refs/proposals/*`` too (node sync only).
    """
    config = [item for item in BACKEND_GIT_CONFIG if hide_unfinished or item[0] != "uploadpack.hideRefs"]
    env: dict[str, str] = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(repos_root),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_TERMINAL_PROMPT": "0",
        "GIT_PROJECT_ROOT": str(repos_root),
        "GIT_HTTP_EXPORT_ALL": "1",
        "GATEWAY_INTERFACE": "CGI/1.1",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "SERVER_SOFTWARE": "devussy-git",
        "SERVER_NAME": server_name,
        "SERVER_PORT": server_port,
        "REQUEST_METHOD": method,
        "PATH_INFO": path_info,
        "QUERY_STRING": query_string,
        "REMOTE_ADDR": remote_addr,
        "GIT_CONFIG_COUNT": str(len(config)),
    }
    for index, (key, value) in enumerate(config):
        env[f"GIT_CONFIG_KEY_{index}"] = key
        env[f"GIT_CONFIG_VALUE_{index}"] = value
    lowered = {name.lower(): value for name, value in headers.items()}
    content_type = lowered.get("content-type", "")
    if content_type and _CONTENT_TYPE.fullmatch(content_type):
        env["CONTENT_TYPE"] = content_type
    content_length = lowered.get("content-length", "")
    if content_length.isdigit():
        env["CONTENT_LENGTH"] = content_length
    for name, allowed in _PASSED_HEADERS.items():
        header = lowered.get(name)
        if header and allowed.fullmatch(header):
            env["HTTP_" + name.upper().replace("-", "_")] = header
    return env


def parse_cgi_head(block: bytes) -> CgiHead:
    """Parse the CGI header block (the bytes before the first blank line).

    ``Status: 403 Forbidden`` sets the code (default 200); other lines become
    response headers, hop-by-hop ones dropped. Raises :class:`CgiHeaderError`
    for malformed lines.
    """
    status = 200
    headers: list[tuple[str, str]] = []
    lines = block.decode("latin-1").replace("\r\n", "\n").split("\n")
    if len(lines) > _MAX_HEAD_LINES:
        raise CgiHeaderError(f"{len(lines)} header lines")
    for line in lines:
        if not line:
            continue
        name, sep, value = line.partition(":")
        name, value = name.strip().lower(), value.strip()
        if not sep or not re.fullmatch(r"[a-z0-9-]+", name):
            raise CgiHeaderError(f"bad header line {line[:80]!r}")
        if name == "status":
            code = value.split(" ", 1)[0]
            if not (code.isdigit() and len(code) == 3):
                raise CgiHeaderError(f"bad status {value[:40]!r}")
            status = int(code)
        elif name not in _HOP_BY_HOP:
            headers.append((name, value))
    return CgiHead(status=status, headers=tuple(headers))
