"""SIGKILL the CLI at random moments of ``new``, ``run`` and ``handoff-next``; count damage.

Prints figures, asserts nothing. Run from the repository root:

    .venv/bin/python bench/bench_kills.py [--kills 20] [--seed 7]

Each round starts one real ``devussy-git`` process, kills it with SIGKILL after a random
delay, then checks with the real ``git`` and CLI. ``new`` and ``handoff-next`` use the
offline provider; ``run`` talks through litellm's HTTP path to a scripted model server that
answers like the offline provider after ``--model-delay`` seconds per request, so kills
land inside its stages (a run takes a few seconds):

- ``git fsck`` of every repository;
- unusable ids: a killed ``new`` whose id neither ``new`` nor ``status`` accepts;
- half plans: ``main`` of the project holds a devplan whose phases are not the phase
  files beside it (titles or count differ);
- orphaned runs: the project's last run still ``queued``/``running`` once a later
  command has started (which sweeps runs of dead processes).

A project left half-planned or failed is healed with ``run --resume`` (or a new run)
before the next round, so each round counts what that one kill did.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
ANSWERS = ROOT / "devussy_git" / "fixtures" / "demo_interview.json"


def make_env(work: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("LLM_", "DEVUSSY_", "DISCORD_")) and k != "DATABASE_URL"}
    env.update({
        "DEVUSSY_REPOS_ROOT": str(work / "repos"),
        "DATABASE_URL": f"sqlite+aiosqlite:///{work}/state.db",
        "LITELLM_LOCAL_MODEL_COST_MAP": "True",
        "HOME": str(work),
        "GIT_CONFIG_NOSYSTEM": "1",
        "PYTHONPATH": str(ROOT),
    })
    return env


def cli(env: dict[str, str], work: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "devussy_git", *args], cwd=work, env=env,
                          capture_output=True, text=True, timeout=300)


def git(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, timeout=60,
                          env={"GIT_CONFIG_NOSYSTEM": "1", "HOME": str(repo), "PATH": os.environ["PATH"]})


def half_plan(repo: Path) -> bool:
    """True when main's devplan lists phases that are not the phase files beside it."""
    listed = git(repo, "ls-tree", "--name-only", "main").stdout.split()
    if "devplan.md" not in listed:
        return False
    devplan = git(repo, "show", "main:devplan.md").stdout
    titles = re.findall(r"^### Phase (\d+): (.+)$", devplan, re.MULTILINE)
    files = sorted((int(m.group(1)), name) for name in listed if (m := re.fullmatch(r"phase(\d+)\.md", name)))
    if not files:
        return False  # an outline awaiting its phases stage: no phase file to mismatch
    if [int(n) for n, _ in titles] != [n for n, _ in files]:
        return True
    for number, title in titles:
        head = git(repo, "show", f"main:phase{number}.md").stdout.splitlines()[:1]
        if not head or title.strip() not in head[0]:
            return True
    return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--model-delay", type=float, default=0.3, help="seconds per model reply")
    args = parser.parse_args()
    from tests.support.llm_server import Delay, ScriptedLLMServer
    from tests.support.pipeline_script import PipelineScript

    script = PipelineScript(json.loads(ANSWERS.read_text()))
    server = ScriptedLLMServer().start()
    server.route(lambda body: Delay(args.model_delay, script(body)))
    try:
        run_rounds(args, server)
    finally:
        server.close()


def run_rounds(args: argparse.Namespace, server: object) -> None:
    rand = random.Random(args.seed)
    work = Path(tempfile.mkdtemp(prefix="devussy-kills-"))
    env = make_env(work)
    env.update(server.env())  # type: ignore[attr-defined]
    for step in (("new", "plan", "--answers", str(ANSWERS)), ("run", "plan")):
        done = cli(env, work, *step)
        assert done.returncode == 0, done.stderr
    counts: Counter[str] = Counter()
    repo = work / "repos" / "plan.git"
    for round_ in range(args.kills):
        verb = rand.choice(["new", "run", "handoff-next"])
        argv = {
            "new": ["new", f"k{round_}", "--answers", str(ANSWERS)],
            "run": ["run", "plan", "--yes"],
            "handoff-next": ["handoff-next", "plan", "--provider", "offline"],
        }[verb]
        proc = subprocess.Popen([sys.executable, "-m", "devussy_git", *argv], cwd=work, env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rand.uniform(0.2, 4.0 if verb == "run" else 1.6))
        finished = proc.poll() is not None
        if not finished:
            proc.send_signal(signal.SIGKILL)
        proc.wait()
        counts[f"{verb} {'finished first' if finished else 'killed'}"] += 1
        for path in (work / "repos").glob("*.git"):
            if git(path, "fsck", "--no-dangling", "--no-progress").returncode != 0:
                counts["fsck failures"] += 1
        if verb == "new":
            again = cli(env, work, "new", f"k{round_}", "--answers", str(ANSWERS))
            if again.returncode != 0 and cli(env, work, "status", f"k{round_}").returncode != 0:
                counts["unusable ids"] += 1
        status = cli(env, work, "status", "plan", "--json")  # a later command: sweeps orphans
        run = json.loads(status.stdout).get("run") if status.returncode == 0 else None
        if run and run.get("state") in ("queued", "running"):
            counts["orphaned runs"] += 1
        if half_plan(repo):
            counts["half plans on main"] += 1
        if verb == "run" and not finished:
            stage = (run or {}).get("stage") or "before its first stage"
            counts[f"run killed at {stage}"] += 1
        if run and run.get("state") == "failed":
            healed = cli(env, work, "run", "plan", "--resume")
            counts["resumed" if healed.returncode == 0 else "resume failed"] += 1
    print(f"{args.kills} SIGKILLs (seed {args.seed}) across new, run and handoff-next:")
    for key in sorted(counts):
        print(f"  {key}: {counts[key]}")
    for key in ("fsck failures", "unusable ids", "orphaned runs", "half plans on main"):
        if key not in counts:
            print(f"  {key}: 0")


if __name__ == "__main__":
    main()
