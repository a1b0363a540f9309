"""Every face reaches the use cases through ``devussy_git.services``."""

from __future__ import annotations

import subprocess
import sys

from devussy_git import services


def test_every_exported_use_case_resolves() -> None:
    missing = [name for name in services.__all__ if not hasattr(services, name)]
    assert missing == []


def test_services_and_bot_services_import_in_either_order() -> None:
    for first in ("devussy_git.services", "devussy_git.bot_services", "devussy_git.agent"):
        code = f"import {first}; from devussy_git import services; services.handoff_next; services.start_guild_run"
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        assert done.returncode == 0, done.stderr


def test_each_name_comes_from_the_module_that_defines_it() -> None:
    import importlib

    for name, home in services._HOMES.items():
        assert hasattr(importlib.import_module(home), name), (name, home)
    from devussy_git import bot_services

    # Every bot_services use case reaches services; only its constants stay behind.
    lazy = {n for n, home in services._HOMES.items() if home == "devussy_git.bot_services"}
    assert all(name.isupper() for name in set(bot_services.__all__) - lazy)
