"""A verb imports only what it needs: reading git never loads the web, chat, model or
database libraries, and a usage error is refused before anything is built.

Each command runs in a fresh interpreter through the CLI's real ``main`` and reports
which of the heavy libraries ended up in ``sys.modules``.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.e2e.conftest import DEMO_ANSWERS, Cli

HEAVY = ("fastapi", "discord", "litellm", "sqlalchemy", "uvicorn", "pydantic", "prometheus_client")

_PROBE = """
import json, sys
from devussy_git.faces.cli import main
try:
    code = main(sys.argv[1:])
except SystemExit as done:  # argparse's --help
    code = done.code
sys.stdout.flush()
print("\\n" + json.dumps({"code": code, "loaded": sorted(m for m in %r if m in sys.modules)}))
""" % (HEAVY,)


def _probe(cli: Cli, *argv: str, extra: tuple[str, ...] = ()) -> tuple[int, list[str], str]:
    """Exit code, heavy modules loaded and what the command printed."""
    probe = _PROBE.replace(repr(HEAVY), repr(HEAVY + extra))
    done = subprocess.run(
        [sys.executable, "-c", probe, *argv],
        cwd=cli.workdir,
        env=cli.env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    *printed, last = done.stdout.strip().splitlines()
    report = json.loads(last)
    return report["code"], report["loaded"], "\n".join(printed)


def _loaded(cli: Cli, *argv: str, extra: tuple[str, ...] = ()) -> tuple[int, list[str]]:
    code, loaded, _ = _probe(cli, *argv, extra=extra)
    return code, loaded


@pytest.fixture(scope="module")
def planned(tmp_path_factory: pytest.TempPathFactory) -> Cli:
    cli = Cli(tmp_path_factory.mktemp("imports"))
    assert cli("new", "shop", "--answers", str(DEMO_ANSWERS)).code == 0
    assert cli("run", "shop").code == 0
    return cli


@pytest.mark.parametrize(
    "argv",
    [
        ("log", "shop"),
        ("log", "shop", "--json"),
        ("show", "shop", "devplan.md"),
        ("diff", "shop", "main~1", "main"),
        ("clone-url", "shop"),
    ],
)
def test_git_reading_verbs_load_no_heavy_library(planned: Cli, argv: tuple[str, ...]) -> None:
    code, loaded = _loaded(planned, *argv)
    assert code == 0
    assert loaded == []


@pytest.mark.parametrize(
    "argv",
    [
        ("revert", "shop", "main", "--step", "1"),
        ("log", "Shop API"),
        ("status", "-bad-"),
        ("--help",),
        ("log", "--help"),
    ],
)
def test_usage_errors_and_help_are_answered_before_anything_is_built(planned: Cli, argv: tuple[str, ...]) -> None:
    code, loaded = _loaded(planned, *argv, extra=("pygit2",))
    assert (code == 0) == ("--help" in argv)
    assert loaded == []  # not even pygit2: the command line is refused before the store is opened


#: What reading the database or the project list never needs (status reads the plan).
_NOT_FOR_READING = ("sqlalchemy.orm", "aiosqlite", "matplotlib", "markdown_it", "mdformat", "tenacity")


@pytest.mark.parametrize(
    ("argv", "from_the_database"),
    [
        (("status", "shop"), "Run "),
        (("status", "shop", "--json"), '"run": {'),
        (("projects",), "shop\tShop API"),
        (("projects", "--json"), '"name": "Shop API"'),
    ],
)
def test_status_and_projects_read_the_database_without_its_library(
    planned: Cli, argv: tuple[str, ...], from_the_database: str
) -> None:
    # status reads the plan's progress once with the one plan reader (markdown-it's block
    # parser) and keeps it by the files' blob ids: a later status reads it from the cache.
    assert planned("status", "shop").code == 0
    code, loaded, printed = _probe(planned, *argv, extra=_NOT_FOR_READING)
    assert code == 0
    assert from_the_database in printed  # the run and the project's name come from the database
    assert loaded == []  # SQLite is read with the standard library (devussy_git/db/light.py)


def test_only_status_with_a_chart_loads_the_plotting_library(planned: Cli) -> None:
    code, loaded = _loaded(planned, "status", "shop", "--json", extra=("matplotlib",))
    assert code == 0 and "matplotlib" not in loaded
    code, loaded = _loaded(planned, "status", "shop", "--chart", "progress.png", extra=("matplotlib",))
    assert code == 0 and "matplotlib" in loaded
    assert (planned.workdir / "progress.png").read_bytes().startswith(b"\x89PNG")


def test_status_parses_the_plan_only_when_its_files_changed(planned: Cli) -> None:
    for cache in (planned.workdir / "repos").glob("*/devussy-cache-*.json"):
        cache.unlink()
    code, loaded, parsed = _probe(planned, "status", "shop", extra=("markdown_it",))
    assert code == 0 and loaded == ["markdown_it"]  # a miss parses the plan
    code, loaded, cached = _probe(planned, "status", "shop", extra=("markdown_it",))
    assert code == 0 and loaded == []  # a hit does not
    assert cached == parsed


def test_an_offline_step_loads_neither_pydantic_nor_mdformat(planned: Cli) -> None:
    # The reply is checked by devussy_git/shapes.py, and its log lines are plain bullet
    # items, which need no formatting (devussy_git/markdown/normalize.py).
    code, loaded, printed = _probe(
        planned, "handoff-next", "shop", "--provider", "offline", extra=("mdformat", "importlib.metadata")
    )
    assert code == 0
    assert "task 1.1" in printed
    assert loaded == []
    assert planned("revert", "shop", "--yes").code == 0
