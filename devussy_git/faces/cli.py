"""The command-line face (grows with each capability)."""

from __future__ import annotations

import sys

from devussy_git import __version__


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["version"] or args[:1] == ["--version"]:
        print(f"devussy-git {__version__}")
        return 0
    print("usage: devussy-git {version}", file=sys.stderr)
    return 2
