"""Serialised, crash-safe ref updates for one bare repository.

Every ref write of the store happens inside :func:`writer_lock`, an
``flock`` on ``<repo>/devussy-writer.lock``. The kernel drops an ``flock``
when its owner dies, so a writer holding it knows that no other store writer
is half-way through a ref update. A libgit2 ``<ref>.lock`` file found then
is left alone while any live process holds it open (git and libgit2 keep
the lock file open for as long as they hold the lock: an outside ``git`` run
may take its time); once no process holds it, it was left by a killed
process and is removed when older than ``stale_after`` seconds. Where open
files cannot be seen (no ``/proc``, or processes of other users) the age
rule alone decides. Contention with other processes (``OSError`` from
libgit2) is retried with exponential backoff.

This module must never decide *what* a ref points at; callers pass the
compare-and-swap operation in. It does not import pygit2.
"""

from __future__ import annotations

import errno
import fcntl
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from devussy_git.errors import InvalidInputError, StoreError

__all__ = ["DEFAULT_STALE_LOCK_SECONDS", "LockPolicy", "held_open", "retry_locked", "writer_lock"]

T = TypeVar("T")

#: A libgit2 lock file that no live process holds open and that is older than
#: this, found while we hold the writer lock, was left behind by a dead process.
DEFAULT_STALE_LOCK_SECONDS = 2.0
WRITER_LOCK_NAME = "devussy-writer.lock"


@dataclass(frozen=True)
class LockPolicy:
    """How long to wait for locks and when a lock file counts as stale."""

    #: Seconds after which a libgit2 lock file found under the writer lock is removed.
    stale_after: float = DEFAULT_STALE_LOCK_SECONDS
    #: Seconds to keep retrying a busy lock before giving up with ``StoreError``.
    timeout: float = 30.0

    def __post_init__(self) -> None:
        if not (self.stale_after > 0 and self.timeout > 0):
            raise InvalidInputError("Lock timings must be positive numbers of seconds.")


def _backoff(attempt: int) -> float:
    delay: float = min(0.0002 * (2**attempt), 0.05)
    return delay


@contextmanager
def writer_lock(repo_dir: Path, policy: LockPolicy) -> Iterator[None]:
    """Hold the repository's writer ``flock`` for the duration of the block."""
    lock_path = repo_dir / WRITER_LOCK_NAME
    try:
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    except OSError as exc:
        raise StoreError("The plan store could not open its lock file.", detail=str(exc)) from exc
    try:
        deadline = time.monotonic() + policy.timeout
        attempt = 0
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                    raise StoreError("The plan store could not lock the project.") from exc
                if time.monotonic() > deadline:
                    raise StoreError(
                        "The project is busy (another write holds its lock); try again.",
                        detail=str(lock_path),
                    ) from exc
                time.sleep(_backoff(attempt))
                attempt += 1
        yield
    finally:
        os.close(fd)


def held_open(path: Path) -> bool | None:
    """Whether a live process has ``path`` open: True, False, or None (cannot tell).

    Reads ``/proc/<pid>/fd`` of every process; None where there is no
    ``/proc`` or some process's descriptors cannot be read (another user's).
    """
    proc = Path("/proc")
    if not (proc / "self" / "fd").is_dir():
        return None
    target = os.path.realpath(path)
    unknown = False
    for entry in os.scandir(proc):
        if not entry.name.isdigit():
            continue
        try:
            fds = list(os.scandir(f"/proc/{entry.name}/fd"))
        except PermissionError:
            unknown = True
            continue
        except OSError:  # exited meanwhile
            continue
        for fd in fds:
            try:
                if os.readlink(fd.path) == target:
                    return True
            except OSError:
                continue
    return None if unknown else False


def _remove_if_stale(lock_file: Path, stale_after: float) -> bool:
    """Remove ``lock_file`` when its holder is gone; True if removed.

    A lock file some live process holds open is never removed, however old.
    One nobody holds (or whose holder cannot be seen) goes once it is older
    than ``stale_after``: a holder closes the file a moment before it renames
    it into place, and that moment must not be mistaken for a dead holder.
    """
    try:
        age = time.time() - lock_file.stat().st_mtime
    except OSError:  # gone meanwhile, or a parent is not a directory
        return False
    if age < stale_after or held_open(lock_file):
        return False
    try:
        lock_file.unlink()
    except FileNotFoundError:
        return False
    return True


def retry_locked(operation: Callable[[], T], lock_files: list[Path], policy: LockPolicy) -> T:
    """Run ``operation`` (a libgit2 ref write), retrying while a lock is busy.

    Call this inside :func:`writer_lock`. libgit2 reports a busy lock file as
    ``OSError``; when one of ``lock_files`` is older than the policy allows,
    it is removed and the write is tried again at once.
    """
    deadline = time.monotonic() + policy.timeout
    attempt = 0
    while True:
        try:
            return operation()
        except OSError as exc:
            if "lock" not in str(exc):  # not contention: disk full, permissions, ...
                raise StoreError("The plan store could not write a ref.", detail=str(exc)) from exc
            if any(_remove_if_stale(f, policy.stale_after) for f in lock_files):
                continue
            if time.monotonic() > deadline:
                raise StoreError("The project is busy (a git lock is held); try again.", detail=str(exc)) from exc
            time.sleep(_backoff(attempt))
            attempt += 1
