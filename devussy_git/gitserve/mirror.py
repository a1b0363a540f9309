"""Copy a project's bare repository from the node that owns it, over its ``serve``.

The node a project moves to runs :func:`mirror_from` in a job: ``git clone --mirror``
of the owner's node-sync endpoint (every ref: heads, tags, ``refs/runs/*``,
``refs/proposals/*``, which the public clone endpoint hides), then ``git fsck`` and a
check that the copy has exactly the refs the owner lists. The copy is made beside its
final place and renamed into it only when it passed. The node token travels in the
environment of the git processes (never in a URL, an argument or a log line), and the
copy keeps no remote.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import httpx

from devussy_git.errors import ConflictError, PermissionDeniedError, StoreError, UnavailableError
from devussy_git.gitserve.cgi import git_executable

__all__ = [
    "SIDE_FILES",
    "fetch_side_files",
    "local_refs",
    "mirror_from",
    "read_side_files",
    "refs_digest",
    "retire_at",
    "sync_url",
]

#: Files of the bare repository that are not git's and move with it: clone access, archive mark.
SIDE_FILES = ("devussy-access.json", "devussy-archived.json")
_SIDE_FILE_MAX = 4096


def sync_url(base_url: str, project_id: str) -> str:
    """The node-sync git URL of a project on the node serving at ``base_url``."""
    return f"{base_url.rstrip('/')}/nodes/git/{project_id}.git"


def read_side_files(repo: Path) -> dict[str, str | None]:
    """The repository's side files (``None`` for one it does not have)."""
    found: dict[str, str | None] = {}
    for name in SIDE_FILES:
        try:
            found[name] = (repo / name).read_text(encoding="utf-8")[:_SIDE_FILE_MAX]
        except FileNotFoundError:
            found[name] = None
        except OSError as exc:
            raise StoreError(f"Cannot read {name} of the repository.", detail=str(exc)) from exc
    return found


def _git_env(token: str) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_TERMINAL_PROMPT": "0",
        "GIT_CONFIG_COUNT": "1",
        "GIT_CONFIG_KEY_0": "http.extraHeader",
        "GIT_CONFIG_VALUE_0": f"Authorization: Bearer {token}",
    }


def _git(args: list[str], env: Mapping[str, str], timeout_s: float, what: str) -> str:
    try:
        done = subprocess.run(
            [git_executable(), *args], env=dict(env), capture_output=True, text=True, timeout=timeout_s, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise UnavailableError(f"{what} took longer than {timeout_s:g} s.") from exc
    except OSError as exc:
        raise StoreError(f"Cannot run git for {what}.", detail=str(exc)) from exc
    if done.returncode != 0:
        detail = done.stderr.strip().replace(env.get("GIT_CONFIG_VALUE_0", "\0"), "***")[-500:]
        raise UnavailableError(f"{what} failed: {detail or f'git exited with {done.returncode}'}")
    return done.stdout


def _refs(lines: str) -> dict[str, str]:
    refs = {}
    for line in lines.splitlines():
        sha, _, name = line.strip().partition("\t" if "\t" in line else " ")
        if name and name != "HEAD" and not name.endswith("^{}"):
            refs[name] = sha
    return refs


def refs_digest(refs: Mapping[str, str]) -> str:
    """One short text that changes when any ref of ``refs`` does."""
    listing = "\n".join(f"{name} {sha}" for name, sha in sorted(refs.items()))
    return hashlib.sha256(listing.encode()).hexdigest()


def local_refs(repo: Path) -> dict[str, str]:
    """Every ref of the repository at ``repo`` and the object it names."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    listing = _git(["-C", str(repo), "for-each-ref", "--format=%(objectname) %(refname)"], env, 60, "Listing refs")
    return _refs(listing)


def mirror_from(
    url: str, token: str, dest: Path, side_files: Mapping[str, str | None], *, timeout_s: float = 600.0
) -> dict[str, str]:
    """Make ``dest`` a verified mirror of the repository at ``url``; its refs.

    :class:`ConflictError` when ``dest`` exists or the owner's refs changed during the
    copy; :class:`UnavailableError` when the owner cannot be read; the half-made copy
    is removed on any failure.
    """
    if dest.exists():
        raise ConflictError(f"{dest.name} is already on this node's disk: move it aside first.")
    env = _git_env(token)
    incoming = dest.with_name(dest.name + ".incoming")
    shutil.rmtree(incoming, ignore_errors=True)
    try:
        _git(["clone", "--mirror", "--quiet", url, str(incoming)], env, timeout_s, "Copying the repository")
        # ``git remote remove`` would delete the refs a mirror's refspec maps: drop only the section.
        _git(["-C", str(incoming), "config", "--remove-section", "remote.origin"], env, 60, "Forgetting the source")
        _git(["-C", str(incoming), "fsck", "--no-progress"], env, timeout_s, "Checking the copy (git fsck)")
        theirs = _refs(_git(["ls-remote", url], env, timeout_s, "Listing the source's refs"))
        ours = _refs(
            _git(
                ["-C", str(incoming), "for-each-ref", "--format=%(objectname) %(refname)"],
                env,
                60,
                "Listing the copy's refs",
            )
        )
        if ours != theirs:
            differing = sorted(set(ours.items()) ^ set(theirs.items()))
            raise ConflictError(
                f"The source's refs changed during the copy ({', '.join(n for _, n in differing[:5])}); try again."
            )
        for name, text in side_files.items():
            if name in SIDE_FILES and text is not None:
                (incoming / name).write_text(text, encoding="utf-8")
        os.rename(incoming, dest)
    except BaseException:
        shutil.rmtree(incoming, ignore_errors=True)
        raise
    return ours


async def fetch_side_files(base_url: str, project_id: str, token: str) -> dict[str, str | None]:
    """The side files of the project's repository on the node serving at ``base_url``."""
    try:
        async with httpx.AsyncClient(timeout=60.0) as client:
            answer = await client.get(
                f"{base_url.rstrip('/')}/nodes/files/{project_id}", headers={"Authorization": f"Bearer {token}"}
            )
    except httpx.HTTPError as exc:
        raise UnavailableError(f"The source node cannot be reached at {base_url} ({type(exc).__name__}).") from exc
    if answer.status_code == 401:
        raise PermissionDeniedError(
            "The source node refused this node's token: every node must share DEVUSSY_SECRET_KEY."
        )
    if answer.status_code != 200:
        raise UnavailableError(f"The source node answered {answer.status_code} for {project_id}'s files.")
    data: Any = answer.json()
    return {str(k): (v if isinstance(v, str) else None) for k, v in dict(data).items()}


async def retire_at(base_url: str, project_id: str, token: str, digest: str) -> str:
    """Ask the node serving at ``base_url`` to put its old copy of the project in its trash; the bundle's name.

    ``digest`` (:func:`refs_digest` of the refs copied) lets it keep a copy that changed since.
    """
    try:
        async with httpx.AsyncClient(timeout=120.0) as client:
            answer = await client.post(
                f"{base_url.rstrip('/')}/nodes/retire/{project_id}",
                params={"refs": digest},
                headers={"Authorization": f"Bearer {token}"},
            )
    except httpx.HTTPError as exc:
        raise UnavailableError(f"the source node cannot be reached ({type(exc).__name__})") from exc
    if answer.status_code != 200:
        try:
            detail = str(answer.json().get("detail"))
        except ValueError:
            detail = ""
        raise UnavailableError(detail or f"the source node answered {answer.status_code}")
    return str(answer.json().get("bundle") or "nothing to remove")
