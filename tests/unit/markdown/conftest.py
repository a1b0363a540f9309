"""Fixtures of the markdown patcher tests: paths of the fixture files."""

from __future__ import annotations

from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures" / "markdown"
CASES = FIXTURES / "cases"
CORPUS = FIXTURES / "corpus"


@pytest.fixture
def read_fixture():
    """Read a fixture file as text, bytes untouched (CRLF stays CRLF)."""

    def read(*parts: str) -> str:
        return (FIXTURES.joinpath(*parts)).read_bytes().decode("utf-8")

    return read
