"""Who runs a run: ``host:pid`` owner strings and the default liveness check.

A run records the process that runs it so that a later start-up can tell a
run that is really going from one left ``running`` by a process that died.
This module must never kill or signal a process other than with signal 0.

A process id alone is not enough: a container restarts its bot as the same
pid (often 1) under the same hostname. So a process remembers the owners it
has claimed (:func:`claim`); an owner naming this very host and pid that this
process never claimed belongs to an earlier process and is dead.
"""

from __future__ import annotations

import os
import socket

__all__ = ["QUEUE_OWNER", "claim", "is_owner_alive", "process_owner", "process_state"]

#: The owner of a run waiting on the job queue (``DEVUSSY_EXECUTOR=queue``): no process
#: here will start it, a worker will; a worker that stops is the queue's to detect.
QUEUE_OWNER = "job-queue"

_claimed: set[str] = set()


def process_owner() -> str:
    """``host:pid`` of the current process."""
    return f"{socket.gethostname()}:{os.getpid()}"


def claim(owner: str) -> None:
    """Remember that this process runs work under ``owner``."""
    _claimed.add(owner)


def is_owner_alive(owner: str) -> bool:
    """Whether the process named by ``owner`` may still be running.

    Another host cannot be checked from here, so its runs count as alive;
    a malformed owner string counts as dead (nobody can be running it).
    """
    if owner == QUEUE_OWNER:
        return True
    host, sep, pid_text = owner.rpartition(":")
    if not sep or not pid_text.isdigit():
        return False
    if host != socket.gethostname():
        return True
    pid = int(pid_text)
    if pid <= 0:
        return False
    if pid == os.getpid():
        return owner in _claimed
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by another user
        pass
    # Signal 0 succeeds on a zombie: a process that exited and was not yet
    # reaped by its parent. It runs nothing any more.
    return process_state(pid) not in ("Z", "X")


def process_state(pid: int) -> str | None:
    """The state letter of ``/proc/<pid>/stat`` (``R``, ``S``, ``Z``...), or None.

    None where there is no ``/proc`` (not Linux) or the process is gone.
    """
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            stat = handle.read()
    except OSError:
        return None
    # "pid (comm) S ...": comm may hold spaces and parentheses; the state
    # follows the last closing parenthesis.
    _, _, rest = stat.rpartition(b")")
    fields = rest.split()
    return fields[0].decode("ascii", "replace") if fields else None
