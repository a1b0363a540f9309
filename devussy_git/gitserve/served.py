"""Which base URL the ``serve`` process running on this repos root answers on.

``serve`` records its base URL and pid in ``<repos root>/.devussy-serve.json``
when it starts (and removes it when it stops), so that ``clone-url`` prints
URLs for the server actually running (``serve --port 8123``) when
``DEVUSSY_PUBLIC_URL`` is not set. A record whose process is gone is ignored.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

__all__ = ["SERVED_FILE", "clear_served", "record_served", "served_url"]

SERVED_FILE = ".devussy-serve.json"


def record_served(root: Path, url: str) -> None:
    """Record that this process serves ``root`` at ``url`` (atomic replace)."""
    tmp = root / f"{SERVED_FILE}.{os.getpid()}.tmp"
    tmp.write_text(json.dumps({"url": url, "pid": os.getpid()}), encoding="utf-8")
    os.replace(tmp, root / SERVED_FILE)


def clear_served(root: Path) -> None:
    """Forget this process's record (another server's record is left alone)."""
    path = root / SERVED_FILE
    try:
        if json.loads(path.read_text(encoding="utf-8")).get("pid") == os.getpid():
            path.unlink()
    except (OSError, ValueError, AttributeError):
        return  # no record, or not a readable one: nothing of ours to forget


def served_url(root: Path) -> tuple[str, int] | None:
    """``(url, pid)`` of the server running on ``root``, or ``None``."""
    try:
        data = json.loads((root / SERVED_FILE).read_text(encoding="utf-8"))
        url, pid = str(data["url"]), int(data["pid"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not url.startswith(("http://", "https://")) or not _alive(pid):
        return None
    return url, pid


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie has exited: it serves nothing
        stat = Path(f"/proc/{pid}/stat").read_text()
        return stat.rpartition(")")[2].split()[0] != "Z"
    except (OSError, IndexError):
        return True
