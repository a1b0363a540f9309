"""Start-up mistakes Discord reports end in one paragraph that says what to change, not a traceback."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import discord
import pytest

from devussy_git.config import Secret, load_settings
from devussy_git.faces.discord import run_bot


@pytest.mark.parametrize(
    ("raised", "expected"),
    [
        (discord.LoginFailure("Improper token has been passed."), "Reset Token"),
        (discord.PrivilegedIntentsRequired(None), "Message Content Intent"),
    ],
)
def test_discord_refusing_the_bot_at_start_up_is_explained(
    raised: Exception,
    expected: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from devussy_git.faces.discord import bot as bot_module

    def refuse(self: Any, *args: Any, **kwargs: Any) -> None:
        raise raised

    monkeypatch.setattr(bot_module.DevussyBot, "run", refuse)
    settings = load_settings(
        {"DEVUSSY_REPOS_ROOT": str(tmp_path / "repos"), "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/state.db"},
        dotenv_path=None,
    )
    settings = settings.with_(discord_token=Secret("not-a-real-token"))
    assert run_bot(settings=settings) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and expected in err and "developer portal" in err
    assert "Traceback" not in err and "not-a-real-token" not in err
