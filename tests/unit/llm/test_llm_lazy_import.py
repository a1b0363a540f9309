"""Importing the adapter must not import litellm (seconds, memory, network)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_importing_building_clients_and_closing_leave_litellm_unloaded() -> None:
    code = (
        "import sys\n"
        "import devussy_git.llm as llm\n"
        "llm.make_client(llm.LLMProfile('openai', 'gpt-4o-mini'))\n"
        "llm.make_client(llm.LLMProfile('offline', 'offline'))\n"
        "import asyncio\n"
        "asyncio.run(llm.aclose_litellm())\n"
        "assert 'litellm' not in sys.modules, 'litellm was imported'\n"
        "assert 'openai' not in sys.modules, 'openai was imported'\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
