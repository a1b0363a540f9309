"""Several writers on one project: no commit lost, history linear, fsck clean.

Also the crash test: a writer SIGKILLed at random moments never leaves
``main`` on a half-written commit, and the next write succeeds (a lock file
left by the dead process is recovered).
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from devussy_git.errors import ConflictError
from devussy_git.store import Identity, PlanRepo, PlanStore

WORKER = str(Path(__file__).with_name("store_worker.py"))
ROOT_DIR = str(Path(__file__).resolve().parents[3])


def _spawn(store: PlanStore, worker: str, count: int, go: Path, stale: float = 2.0) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": ROOT_DIR}
    return subprocess.Popen(
        [sys.executable, WORKER, str(store.root), "demo", worker, str(count), str(go), str(stale)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def _check_linear(repo: PlanRepo, git, expected_lines: set[str], fsck) -> None:
    commits = git("rev-list", "main", cwd=repo.path).split()
    assert git("rev-list", "--merges", "main", cwd=repo.path) == ""
    log = repo.log()
    assert [c.sha for c in log] == commits
    assert all(len(c.parents) == 1 for c in log[:-1]) and log[-1].parents == ()
    lines = repo.read("log.md").splitlines()
    assert len(lines) == len(set(lines)) and set(lines) == expected_lines
    # Each commit added exactly its own line, in history order.
    steps = [c.trailers["Devussy-Step"] for c in reversed(log[:-1])]
    assert steps == lines
    fsck(repo)


_HOLDER = """
import os, sys, time
path = sys.argv[1]
fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)  # as git takes a lock
os.write(fd, b"0" * 40 + b"\\n")
print("held", flush=True)
time.sleep(float(sys.argv[2]))
still = os.path.exists(path)
os.close(fd)
if still:
    os.unlink(path)  # as git rolls back
print("still mine" if still else "taken from me", flush=True)
"""


def _held_main_lock(tmp_path: Path, author: Identity, seconds: float) -> tuple[PlanRepo, str, Path, Any]:
    """A repo with one commit whose ``main.lock`` another process holds for ``seconds``."""
    store = PlanStore(tmp_path / "repos", stale_lock_seconds=0.2)
    repo = store.create("demo")
    first = repo.commit({"a.md": "1\n"}, "one", author=author, expected_head=None)
    lock = repo.path / "refs" / "heads" / "main.lock"
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, str(lock), str(seconds)], stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    return repo, first.sha, lock, holder


def test_a_lock_held_by_a_live_outside_git_is_waited_for_not_taken(tmp_path: Path, author: Identity, fsck) -> None:
    repo, first, _lock, holder = _held_main_lock(tmp_path, author, 2.5)
    started = time.monotonic()
    second = repo.commit({"a.md": "2\n"}, "two", author=author, expected_head=first)
    waited = time.monotonic() - started
    out, _ = holder.communicate(timeout=30)
    assert out.strip() == "still mine"  # held 2.5 s, far past the 0.2 s age rule
    assert waited >= 1.5
    assert repo.head() == second.sha
    fsck(repo)


def test_a_lock_whose_holder_was_killed_is_recovered(tmp_path: Path, author: Identity, fsck) -> None:
    repo, first, lock, holder = _held_main_lock(tmp_path, author, 60)
    holder.kill()
    holder.wait(timeout=30)
    assert lock.exists()
    started = time.monotonic()
    second = repo.commit({"a.md": "2\n"}, "two", author=author, expected_head=first)
    assert time.monotonic() - started < 10
    assert repo.head() == second.sha and not lock.exists()
    fsck(repo)


@pytest.mark.slow
def test_four_processes_times_25_commits(store: PlanStore, author: Identity, git, fsck, tmp_path: Path) -> None:
    repo = store.create("demo")
    repo.commit({"log.md": ""}, "interview: start", author=author, expected_head=None, allow_empty=True)
    go = tmp_path / "go"
    procs = [_spawn(store, f"p{i}", 25, go) for i in range(4)]
    go.touch()
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        assert len(out.splitlines()) == 25
    expected = {f"p{i}-{n}" for i in range(4) for n in range(25)}
    _check_linear(repo, git, expected, fsck)
    assert len(repo.log()) == 101


def test_threads_with_their_own_repo_objects(store: PlanStore, author: Identity, git, fsck) -> None:
    store.create("demo").commit({"log.md": ""}, "start", author=author, expected_head=None, allow_empty=True)
    errors: list[BaseException] = []

    def writer(name: str) -> None:
        repo = store.open("demo")
        try:
            for n in range(10):
                line = f"{name}-{n}"

                def change(head: str, line: str = line) -> tuple[dict[str, str | None], str]:
                    return {"log.md": repo.read("log.md", head) + line + "\n"}, f"step {line}"

                repo.commit_with_retry(
                    change,
                    author=author,
                    attempts=100,
                    trailers={"Devussy-Step": line},
                )
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(f"t{i}",)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    _check_linear(store.open("demo"), git, {f"t{i}-{n}" for i in range(3) for n in range(10)}, fsck)


def test_stale_lock_left_by_a_dead_writer_is_recovered(tmp_path: Path, author: Identity, fsck) -> None:
    store = PlanStore(tmp_path / "repos", stale_lock_seconds=0.3)
    repo = store.create("demo")
    first = repo.commit({"a.md": "1\n"}, "one", author=author, expected_head=None)
    lock = repo.path / "refs" / "heads" / "main.lock"
    lock.write_text("0" * 40 + "\n")
    started = time.monotonic()
    second = repo.commit({"a.md": "2\n"}, "two", author=author, expected_head=first.sha)
    waited = time.monotonic() - started
    assert repo.head() == second.sha and not lock.exists()
    assert waited >= 0.2  # a fresh lock file is not taken for stale at once
    old = time.time() - 60
    lock.write_text("junk")
    os.utime(lock, (old, old))
    third = repo.commit({"a.md": "3\n"}, "three", author=author, expected_head=second.sha)
    assert repo.head() == third.sha
    fsck(repo)


@pytest.mark.slow
def test_writer_killed_at_random_moments(tmp_path: Path, author: Identity, git, fsck) -> None:
    store = PlanStore(tmp_path / "repos", stale_lock_seconds=0.2)
    repo = store.create("demo")
    repo.commit({"log.md": ""}, "start", author=author, expected_head=None, allow_empty=True)
    go = tmp_path / "go"
    go.touch()
    rng = random.Random(1234)
    committed: set[str] = set()
    for round_ in range(20):
        proc = _spawn(store, f"k{round_}", 0, go, stale=0.2)
        assert proc.stdout is not None
        first = proc.stdout.readline()  # the child is in its commit loop now
        time.sleep(rng.uniform(0.0, 0.25))
        proc.send_signal(signal.SIGKILL)
        rest, _ = proc.communicate(timeout=30)
        out = first + rest
        assert proc.returncode == -signal.SIGKILL
        # main is always a complete commit that git can read
        head = repo.head()
        assert head is not None
        assert git("cat-file", "-t", head, cwd=repo.path).strip() == "commit"
        lines = repo.read("log.md").splitlines()
        assert len(lines) == len(set(lines))
        # every commit the child reported is in history (reported after the ref moved);
        # the kill can cut the last report short, so only whole lines count
        whole_lines = out.split("\n")[:-1]
        reported = {line.split()[1] for line in whole_lines}
        assert reported <= set(lines)
        committed |= set(lines)
        fsck(repo)
        # and the next write succeeds, whatever lock the child left behind
        info = repo.commit_with_retry(
            lambda h: ({"log.md": repo.read("log.md", h) + f"parent-{round_}\n"}, "after kill"),
            author=author,
        )
        assert repo.head() == info.sha
    assert len([line for line in committed if line.startswith("k")]) >= 20


def test_racing_creates_of_one_project(store: PlanStore) -> None:
    results: list[str] = []
    barrier = threading.Barrier(6)

    def create() -> None:
        barrier.wait()
        try:
            store.create("same")
            results.append("created")
        except ConflictError:
            results.append("conflict")

    threads = [threading.Thread(target=create) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["conflict"] * 5 + ["created"]
    assert store.list_projects() == ["same"]
    assert [p.name for p in store.root.iterdir()] == ["same.git"]
