"""Every face reaches the use cases through ``devussy_git.services``."""

from __future__ import annotations

import subprocess
import sys

from devussy_git import services


def test_every_exported_use_case_resolves() -> None:
    missing = [name for name in services.__all__ if not hasattr(services, name)]
    assert missing == []


def test_services_and_the_agent_import_in_either_order() -> None:
    for first in ("devussy_git.services", "devussy_git.services.guilds", "devussy_git.agent"):
        code = f"import {first}; from devussy_git import services; services.handoff_next; services.start_guild_run"
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        assert done.returncode == 0, done.stderr


def test_each_name_comes_from_the_module_that_defines_it() -> None:
    import importlib

    for name, home in services._HOMES.items():
        assert hasattr(importlib.import_module(home), name), (name, home)


def test_every_public_name_of_a_service_module_is_exported() -> None:
    import importlib
    import pkgutil

    for module in pkgutil.iter_modules(services.__path__):
        public = set(getattr(importlib.import_module(f"devussy_git.services.{module.name}"), "__all__", ()))
        assert public <= set(services.__all__), (module.name, sorted(public - set(services.__all__)))


def test_matplotlib_is_imported_only_when_a_chart_is_drawn() -> None:
    code = (
        "import sys; from devussy_git import services, charts; services.progress_history; "
        "services.progress_chart; assert 'matplotlib' not in sys.modules, 'imported early'; "
        "from devussy_git.services.progress import PhaseProgress, ProgressPoint; "
        "point = ProgressPoint(0, 'a' * 40, 'stage', 'handoff', None, None, 0, 1, "
        "(PhaseProgress(1, 'Setup', 0, 1),)); png = charts.draw_progress('shop', [point]); "
        "assert png.startswith(bytes([0x89]) + b'PNG') and 'matplotlib' in sys.modules; "
        "assert 'matplotlib.pyplot' not in sys.modules, 'pyplot used'"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr


def test_only_the_charts_module_imports_matplotlib() -> None:
    import ast
    from pathlib import Path

    import devussy_git

    package = Path(devussy_git.__file__).parent
    importers = []
    for path in sorted(package.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            if any(name.split(".")[0] == "matplotlib" for name in names):
                importers.append(str(path.relative_to(package)))
    assert sorted(set(importers)) == ["charts.py"]


def test_the_literal_all_of_each_lazy_package_lists_its_homes() -> None:
    # ``__all__`` is written out so mypy sees the re-exports; it must name exactly the
    # names the lazy ``_HOMES`` table can resolve.
    import importlib

    for package in ("services", "plan", "markdown", "pipeline"):
        module = importlib.import_module(f"devussy_git.{package}")
        assert sorted(module.__all__) == sorted(module._HOMES), package


def test_the_type_checking_imports_of_each_lazy_package_name_its_homes() -> None:
    # The third spelling of the surface: what type checkers import. A name added to
    # ``_HOMES`` but not here would be an ``Any`` to mypy and invisible to editors.
    import ast
    import importlib
    import inspect

    for package in ("services", "plan", "markdown", "pipeline"):
        module = importlib.import_module(f"devussy_git.{package}")
        imported: set[str] = set()
        for node in ast.parse(inspect.getsource(module)).body:
            if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
                for inner in ast.walk(node):
                    if isinstance(inner, ast.Import | ast.ImportFrom):
                        imported |= {alias.asname or alias.name for alias in inner.names}
        assert imported == set(module._HOMES), package
