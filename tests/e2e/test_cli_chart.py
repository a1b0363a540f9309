"""``devussy-git status <project> --chart FILE.png`` through the installed console script:
the status text as before, the PNG written where asked, and clear refusals."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from matplotlib.image import imread

from tests.e2e.conftest import DEMO_ANSWERS, Cli, Result

#: The console script pip installed beside this interpreter (``[project.scripts]``).
SCRIPT = Path(sys.executable).parent / "devussy-git"


def devussy_git(cli: Cli, *args: str) -> Result:
    assert SCRIPT.is_file(), f"{SCRIPT} is missing: install the package (pip install -e .)"
    done = subprocess.run(
        [str(SCRIPT), *args], cwd=cli.workdir, env=cli.env, capture_output=True, text=True, timeout=120, check=False
    )
    return Result(done.returncode, done.stdout, done.stderr)


@pytest.fixture(scope="module")
def stepped(tmp_path_factory: pytest.TempPathFactory) -> Cli:
    """A plan with two steps, the second reverted."""
    cli = Cli(tmp_path_factory.mktemp("chart"))
    for argv in (
        ("new", "shop", "--answers", str(DEMO_ANSWERS)),
        ("run", "shop"),
        ("handoff-next", "shop"),
        ("handoff-next", "shop"),
        ("revert", "shop", "--yes"),
    ):
        done = cli(*argv)
        assert done.code == 0, (argv, done.err)
    return cli


def test_status_with_chart_prints_the_status_and_writes_the_png(stepped: Cli) -> None:
    plain = devussy_git(stepped, "status", "shop")
    assert plain.code == 0, plain.err
    (stepped.workdir / "charts").mkdir()
    target = stepped.workdir / "charts" / "progress.png"

    charted = devussy_git(stepped, "status", "shop", "--chart", "charts/progress.png")
    assert charted.code == 0, charted.err
    assert charted.out.startswith(plain.out)  # the status text as before, then one line more
    assert "Progress: 1/" in plain.out
    extra = charted.out[len(plain.out) :].strip().splitlines()
    assert len(extra) == 1 and extra[0].startswith("Chart written to charts/progress.png")
    data = target.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    assert imread(str(target)).shape[:2] == (500, 1000)

    as_json = devussy_git(stepped, "status", "shop", "--json", "--chart", str(target))
    assert as_json.code == 0, as_json.err
    assert as_json.json()["chart"] == str(target) and as_json.json()["progress"]["done"] == 1


def test_chart_path_in_a_missing_directory_is_refused_before_anything_runs(stepped: Cli) -> None:
    done = devussy_git(stepped, "status", "shop", "--chart", "no-such-dir/progress.png")
    assert done.code == 1
    assert done.err.startswith("error: ") and "no-such-dir" in done.err and "does not exist" in done.err
    assert done.out == ""
    assert not (stepped.workdir / "no-such-dir").exists()

    folder = devussy_git(stepped, "status", "shop", "--chart", str(stepped.workdir))
    assert folder.code == 1 and "directory" in folder.err


def test_chart_of_a_project_without_a_plan_says_to_run_the_pipeline(stepped: Cli) -> None:
    assert stepped("new", "fresh", "--answers", str(DEMO_ANSWERS)).code == 0
    done = devussy_git(stepped, "status", "fresh", "--chart", "fresh.png")
    assert done.code == 1
    assert "no plan yet" in done.err and "devussy-git run fresh" in done.err
    assert "Traceback" not in done.err
    assert not (stepped.workdir / "fresh.png").exists()
