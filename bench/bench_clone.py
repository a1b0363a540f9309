"""Benchmark: git clone through the smart-HTTP router vs git clone by path.

Prints, in one run: median clone times of a 1,000-commit plan repo through the
endpoint (protocol v2 and v0), by path and by file://, their ratios, and the
peak RSS (VmHWM) of the server process while 20 clones run at once.

    cd /work/main && .venv/bin/python bench/bench_clone.py [--runs 7] [--commits 1000]

The server runs in a subprocess (this script with ``--serve``), so its memory
is measured alone.
"""

from __future__ import annotations

import argparse
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.integration.git_http.gitrepos import git, git_env, make_plan_repo  # noqa: E402

PROJECT = "bench-plan"
SECRET = "bench-secret-" + "cd" * 16


def serve(repos_root: Path) -> None:
    """Run the router under uvicorn on an ephemeral port; print the port, serve forever."""
    import uvicorn
    from fastapi import FastAPI

    from devussy_git.config import Secret
    from devussy_git.gitserve import CloneAccess, make_git_router

    app = FastAPI()
    app.include_router(make_git_router(repos_root, CloneAccess(repos_root, Secret(SECRET))))
    # proto=IPPROTO_TCP: asyncio sets TCP_NODELAY only on sockets that say they are TCP;
    # without it every keep-alive request of a clone stalls ~40 ms (Nagle + delayed ACK).
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    print(sock.getsockname()[1], flush=True)
    uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off")).run(sockets=[sock])


def _status(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])  # kB
    raise KeyError(field)


def _timed_clone(args: list[str], env: dict[str, str], target: Path) -> float:
    shutil.rmtree(target, ignore_errors=True)
    started = time.perf_counter()
    subprocess.run(["git", *args, str(target)], env=env, check=True, capture_output=True)
    elapsed = time.perf_counter() - started
    shutil.rmtree(target)
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--commits", type=int, default=1000)
    parser.add_argument("--concurrent", type=int, default=20)
    parser.add_argument("--serve", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve)
        return

    with tempfile.TemporaryDirectory(prefix="bench-clone-") as tmp_name:
        tmp = Path(tmp_name)
        env = git_env(tmp / "home")
        root = tmp / "repos"
        root.mkdir()
        bare = root / f"{PROJECT}.git"
        started = time.perf_counter()
        make_plan_repo(bare, env, commits=args.commits, runs=10, proposals=3)
        git("gc", "--quiet", env=env, cwd=bare)
        print(f"repo: {args.commits} commits built in {time.perf_counter() - started:.2f} s")

        server = subprocess.Popen(
            [sys.executable, __file__, "--serve", str(root)],
            stdout=subprocess.PIPE,
            cwd=ROOT,
        )
        try:
            assert server.stdout is not None
            port = int(server.stdout.readline())
            sys.path.insert(0, str(ROOT))
            from devussy_git.config import Secret
            from devussy_git.gitserve import CloneAccess

            token = CloneAccess(root, Secret(SECRET)).token_for(PROJECT)
            url = f"http://x:{token}@127.0.0.1:{port}/git/{PROJECT}.git"
            rss_idle = _status(server.pid, "VmRSS")

            kinds = {
                "http v2": ["-c", "protocol.version=2", "clone", "--quiet", url],
                "http v0": ["-c", "protocol.version=0", "clone", "--quiet", url],
                "path": ["clone", "--quiet", str(bare)],
                "path --no-local": ["clone", "--quiet", "--no-local", str(bare)],
                "file://": ["clone", "--quiet", f"file://{bare}"],
            }
            times: dict[str, list[float]] = {kind: [] for kind in kinds}
            for kind, clone_args in kinds.items():  # warm-up, not counted
                _timed_clone(clone_args, env, tmp / "warm")
            for _ in range(args.runs):  # interleaved so noise hits every kind alike
                for kind, clone_args in kinds.items():
                    times[kind].append(_timed_clone(clone_args, env, tmp / "c"))
            medians = {kind: statistics.median(values) for kind, values in times.items()}
            print(f"clone of {args.commits} commits, median of {args.runs}:")
            for kind, value in medians.items():
                print(f"  {kind:16s} {value * 1000:8.1f} ms")
            for kind in ("http v2", "http v0"):
                ratios = ", ".join(
                    f"/ {other} = {medians[kind] / medians[other]:.2f}"
                    for other in ("path", "path --no-local", "file://")
                )
                print(f"  ratio {kind} {ratios}")

            started = time.perf_counter()
            procs = [
                subprocess.Popen(
                    ["git", "clone", "--quiet", url, str(tmp / f"p{n}")],
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
                for n in range(args.concurrent)
            ]
            codes = [proc.wait(timeout=600) for proc in procs]
            wall = time.perf_counter() - started
            print(
                f"{args.concurrent} concurrent clones: {codes.count(0)}/{len(codes)} ok "
                f"in {wall:.2f} s"
            )
            print(
                f"server RSS: idle {rss_idle / 1024:.1f} MB, peak (VmHWM) "
                f"{_status(server.pid, 'VmHWM') / 1024:.1f} MB"
            )
        finally:
            server.terminate()
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
