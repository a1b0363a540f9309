"""A run killed (SIGKILL) in the middle of the phases stage resumes and finishes,
with every stage committed exactly once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from devussy_git import services
from devussy_git.app import build_app
from devussy_git.plan.files import outline_from_devplan
from tests.integration.pipeline.conftest import make_settings
from tests.support.gitcli import git
from tests.support.llm_server import Delay, ScriptedLLMServer, Text
from tests.support.pipeline_script import PipelineScript

CHILD = textwrap.dedent(
    """
    import asyncio, json, sys
    from devussy_git import services
    from devussy_git.app import build_app
    from devussy_git.config import load_settings

    async def main():
        env = json.loads(sys.argv[1])
        app = await build_app(load_settings(env, dotenv_path=None))
        actor = services.Actor("cli", "kim", "Kim", "kim@example.invalid")
        await services.run_project(app, "killed", actor=actor)

    asyncio.run(main())
    """
)


@pytest.mark.slow
async def test_sigkill_during_phases_then_resume(
    tmp_path: Path, llm_server: ScriptedLLMServer, answers: dict[str, Any]
) -> None:
    script = PipelineScript(answers)
    # Phases hang long enough for the kill to land mid-stage.
    script.override("phase", *[Delay(30, Text("never delivered"))] * 20)
    llm_server.route(script)
    env = {
        "DEVUSSY_REPOS_ROOT": str(tmp_path / "repos"),
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/state.db",
        "LLM_TIMEOUT_S": "60",
        **llm_server.env(),
    }
    settings = make_settings(tmp_path, env)
    app = await build_app(settings)
    await services.create_project(app, "killed", answers, actor=services.Actor.http())
    await app.close()

    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, json.dumps(env)],
        cwd=Path(__file__).parents[3],
        env={**os.environ, "LITELLM_LOCAL_MODEL_COST_MAP": "True"},
    )
    try:
        deadline = time.monotonic() + 60
        while "phase" not in script.seen:
            assert child.poll() is None, "the run ended before reaching the phases stage"
            assert time.monotonic() < deadline, "the run never reached the phases stage"
            time.sleep(0.05)
        child.send_signal(signal.SIGKILL)
        child.wait(10)
    finally:
        if child.poll() is None:
            child.kill()

    repo = tmp_path / "repos" / "killed.git"
    # main still holds only the interview; the stages done so far wait on the run's ref.
    assert [s.split(":")[0] for s in git(repo, "log", "--format=%s", "main").splitlines()] == ["interview"]
    (ref,) = git(repo, "for-each-ref", "--format=%(refname)", "refs/runs").split()
    assert git(repo, "log", "-1", "--format=%s", ref).startswith("devplan:")
    git(repo, "fsck", "--strict")

    script.reset_overrides()
    app = await build_app(settings)  # start-up marks the dead process's run failed
    try:
        run = await app.db.runs.latest("killed")
        assert run is not None and run.state == "failed" and run.resumable
        outcome = await services.run_project(app, "killed", actor=services.Actor.http(), resume=True)
        assert outcome.run_id == run.run_id
    finally:
        await app.close()

    stages = Counter(line.split(":", 1)[0] for line in git(repo, "log", "--format=%s", "main").splitlines())
    assert stages == Counter(
        {"interview": 1, "complexity": 1, "design": 1, "validation": 1, "devplan": 1, "phases": 1, "handoff": 1}
    )
    git(repo, "fsck", "--strict")
    assert git(repo, "for-each-ref", "refs/runs").strip() == ""
    # The resumed phases stage read the outline back from devplan.md, summaries included.
    outline = outline_from_devplan(git(repo, "show", "main:devplan.md"))
    assert outline and all(o.summary for o in outline)
    for o in outline:
        assert o.summary.splitlines()[0] in git(repo, "show", f"main:phase{o.number}.md")
