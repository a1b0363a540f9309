"""The layers hold: every import arrow of the package runs the right way.

Faces (CLI, HTTP, Discord) call ``services``; ``services`` own the flow and call the
core; the core (store, db, llm, plan, markdown, pipeline, agent, gitserve) never calls
a service or a face; each third-party library stays inside its adapter. Every import
counts, also those inside functions and under ``TYPE_CHECKING``.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

PACKAGE = Path(__file__).parents[2] / "devussy_git"

CORE = {"store", "db", "llm", "plan", "markdown", "pipeline", "agent", "gitserve", "charts", "jobqueue"}
#: What a face may import from the package, besides other faces.
FACE_MAY_IMPORT = {"services", "errors", "config", "ids", "app", "redaction", "_lazy", "__version__"}
#: Each library and the only part of the package that may import it.
LIBRARY_HOMES = {
    "pygit2": ("store",),
    "sqlalchemy": ("db",),
    "aiosqlite": ("db",),
    "asyncpg": ("db",),
    "procrastinate": ("jobqueue",),
    "psycopg": ("jobqueue",),
    "psycopg_pool": ("jobqueue",),
    "litellm": ("llm",),
    "tenacity": ("llm",),
    "discord": ("faces.discord",),
    "uvicorn": ("faces.http",),
    "fastapi": ("faces.http", "gitserve"),
    "starlette": ("faces.http", "gitserve"),
    "httpx": ("runner_client", "gitserve"),
    "rich": ("faces.cli_live",),
    "matplotlib": ("charts",),
    "markdown_it": ("markdown",),
    "mdformat": ("markdown",),
    "mdit_py_plugins": ("markdown",),
    "prometheus_client": ("metrics",),
    "dotenv": ("config",),
}


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> Iterator[str]:
    """Absolute names imported by the file (``devussy_git.`` dropped), relative ones resolved."""
    module = _module_name(path)
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                yield "devussy_git." + ".".join(base + ([node.module] if node.module else []))
            elif node.module == "devussy_git":
                yield from (f"devussy_git.{alias.name}" for alias in node.names)
            elif node.module:
                yield node.module


def _edges() -> list[tuple[str, str]]:
    edges = []
    for path in sorted(PACKAGE.rglob("*.py")):
        source = _module_name(path)
        for target in _imports(path):
            edges.append((source, target.removeprefix("devussy_git.") if target.startswith("devussy_git") else target))
    return edges


def _inside(module: str, home: str) -> bool:
    return module == home or module.startswith(home + ".")


def test_the_scan_sees_the_imports_it_judges() -> None:
    edges = set(_edges())
    assert ("store.core", "pygit2") in edges  # a top-level import
    assert ("faces.cli", "services") in edges  # imports inside functions count
    assert ("faces.cli_output", "services") in edges  # and under TYPE_CHECKING


def test_faces_reach_the_core_only_through_services() -> None:
    wrong = sorted(
        (source, target)
        for source, target in _edges()
        if source.startswith("faces")
        and "." not in target.partition(".")[0]
        and target.partition(".")[0] in CORE | {"runner_client", "metrics", "bot_services"}
    )
    assert wrong == []


def test_every_face_import_of_the_package_is_allowed() -> None:
    known = {p.name.removesuffix(".py") for p in PACKAGE.iterdir() if not p.name.startswith(("__pycache__", "."))}
    wrong = []
    for source, target in _edges():
        head = target.partition(".")[0]
        if not source.startswith("faces") or head not in known or head == "faces":
            continue
        if head not in FACE_MAY_IMPORT:
            wrong.append((source, target))
    assert wrong == []


def test_the_core_never_calls_a_service_or_a_face() -> None:
    wrong = sorted(
        (source, target)
        for source, target in _edges()
        if source.partition(".")[0] in CORE and target.partition(".")[0] in {"services", "faces", "app"}
    )
    assert wrong == []


def test_each_library_stays_inside_its_adapter() -> None:
    wrong = sorted(
        (source, target)
        for source, target in _edges()
        if target.partition(".")[0] in LIBRARY_HOMES
        and not any(_inside(source, home) for home in LIBRARY_HOMES[target.partition(".")[0]])
    )
    assert wrong == []
