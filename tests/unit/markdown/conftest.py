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


def reference_document(text: str):
    """``text`` indexed by one markdown-it-py parse of the whole text, no cache involved.

    Results of the patcher and of the cached, piecewise index are compared with this.
    """
    from devussy_git.markdown._index import parse_whole
    from devussy_git.markdown._lines import split_lines
    from devussy_git.markdown.document import build_document

    lines = split_lines(text)
    return build_document(text, lines, parse_whole(lines))
