"""ruff (lint and format) and mypy pass on the package and its tests.

The configuration is in pyproject.toml ([tool.ruff], [tool.mypy]); these tests
run the tools from the environment running the tests, so the README's test
command and CI run them. A failure prints the tools' own output, which names each file and line.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
TARGETS = ["devussy_git", "tests"]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.parametrize(
    "command",
    [
        pytest.param(["ruff", "check", "--no-cache", *TARGETS], id="ruff-check"),
        pytest.param(["ruff", "format", "--check", "--no-cache", *TARGETS], id="ruff-format"),
    ],
)
def test_ruff(command: list[str]) -> None:
    result = _run(*command)
    assert result.returncode == 0, f"{' '.join(command)} failed:\n{result.stdout}{result.stderr}"


def test_mypy() -> None:
    # Checks the files pyproject.toml names; later runs reuse its cache (.mypy_cache).
    command = ["mypy", "--config-file", "pyproject.toml"]
    result = _run(*command)
    assert result.returncode == 0, f"{' '.join(command)} failed:\n{result.stdout}{result.stderr}"
