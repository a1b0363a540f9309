"""`python -m devussy_git` is the CLI."""

from __future__ import annotations

import sys

from devussy_git.faces.cli import main

if __name__ == "__main__":
    sys.exit(main())
