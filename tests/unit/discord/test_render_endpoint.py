"""A server's own LLM endpoint in the settings reply and /devussy version: host only."""

from __future__ import annotations

import pytest

from devussy_git.faces.discord import render
from devussy_git.services import EffectiveConfig


def _fields(config: EffectiveConfig) -> dict[str, str]:
    payload = render.render_admin(config, "provider")
    return {f.name: f.value for f in payload.embeds[0].fields}


@pytest.mark.parametrize(
    ("api_base", "shown"),
    [
        ("https://llm.example.com/v1", "`llm.example.com`"),
        ("http://127.0.0.1:8000/openai/v1", "`127.0.0.1:8000`"),
        ("http://[::1]:9000/v1", "`[::1]:9000`"),
        (None, "the provider's own"),
    ],
)
def test_the_settings_reply_shows_the_endpoint_host_only(api_base: str | None, shown: str) -> None:
    config = EffectiveConfig(7, "openai", "llama3", None, None, frozenset({"provider", "api_base"}), api_base)
    fields = _fields(config)
    assert fields["Endpoint"] == shown
    assert fields["Provider"] == "`openai`"
    assert "/v1" not in "".join(fields.values())


def test_version_names_the_endpoint_host_when_the_server_has_one() -> None:
    own = render.render_version("1.2.3", "openai", "llama3", "https://llm.example.com/v1")
    assert own.content == "devussy-git 1.2.3 · LLM for this server: `openai` / `llama3` at `llm.example.com`"
    assert own.ephemeral
    default = render.render_version("1.2.3", "openai", "gpt-4o-mini")
    assert default.content == "devussy-git 1.2.3 · LLM for this server: `openai` / `gpt-4o-mini`"
