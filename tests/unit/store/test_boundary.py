"""The store is the only importer of pygit2, and its public names are plain Python."""

from __future__ import annotations

import ast
from pathlib import Path

import devussy_git
import devussy_git.store as store

PACKAGE = Path(devussy_git.__file__).parent


def _imports_pygit2(path: Path) -> bool:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import) and any(a.name.split(".")[0] == "pygit2" for a in node.names):
            return True
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "pygit2":
            return True
    return False


def test_only_the_store_imports_pygit2() -> None:
    offenders = [
        str(path.relative_to(PACKAGE))
        for path in sorted(PACKAGE.rglob("*.py"))
        if "store" not in path.relative_to(PACKAGE).parts[:1] and _imports_pygit2(path)
    ]
    assert offenders == []


def test_public_names_are_not_pygit2_objects() -> None:
    for name in store.__all__:
        value = getattr(store, name)
        module = getattr(value, "__module__", None) or type(value).__module__
        assert not module.startswith(("pygit2", "_pygit2")), name
