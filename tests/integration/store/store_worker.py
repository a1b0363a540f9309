"""A separate process that commits to a plan repo (used by the concurrency tests).

Usage: python store_worker.py ROOT PROJECT WORKER COUNT GO_FILE [STALE_SECONDS]

Waits until GO_FILE exists, then makes COUNT commits (COUNT=0: forever), each
appending the line ``<WORKER>-<n>`` to ``log.md`` through ``commit_with_retry``
and writing ``w/<WORKER>.md``. Prints one line per commit.
"""

from __future__ import annotations

import itertools
import sys
import time
from pathlib import Path

from devussy_git.store import Identity, PlanStore


def main(argv: list[str]) -> int:
    root, project, worker, count, go_file = argv[:5]
    stale = float(argv[5]) if len(argv) > 5 else 2.0
    repo = PlanStore(Path(root), stale_lock_seconds=stale).open(project)
    author = Identity(f"Worker {worker}", f"{worker}@example.invalid")
    while not Path(go_file).exists():
        time.sleep(0.001)
    steps = itertools.count() if int(count) == 0 else range(int(count))
    for n in steps:
        line = f"{worker}-{n}"

        def build(head: str | None, line: str = line, n: int = n) -> tuple[dict[str, str | None], str]:
            text = repo.read("log.md", head) if head is not None else ""
            return {"log.md": text + line + "\n", f"w/{worker}.md": f"{n}\n" * 500}, f"step: {line}"

        info = repo.commit_with_retry(build, author=author, attempts=200, trailers={"Devussy-Step": line})
        print(info.sha, line, flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
