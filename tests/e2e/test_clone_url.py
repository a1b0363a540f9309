"""``clone-url`` prints commands that work: for the server actually running, each labelled."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from tests.e2e.conftest import DEMO_ANSWERS, Cli, serving


def test_clone_url_follows_the_port_serve_listens_on_and_the_printed_command_clones(tmp_path: Path) -> None:
    cli = Cli(tmp_path)
    assert cli("new", "shop", "--answers", str(DEMO_ANSWERS)).code == 0
    alone = cli("clone-url", "shop")
    assert alone.code == 0 and "no server is running" in alone.out
    with serving(cli, set_public_url=False) as served:
        shown = cli("clone-url", "shop", "--json")
        assert shown.code == 0, shown.err
        info = json.loads(shown.out)
        assert info["base_url"] == served.base and "server running here" in info["base_url_from"]
        hostport = served.base.removeprefix("http://")
        assert all(f"{hostport}/git/shop.git" in c for c in info["commands"])
        text = cli("clone-url", "shop").out.splitlines()
        assert text[0].startswith(f"# Server: {served.base}")
        # Each command follows its label; the first keeps working for `git pull`.
        assert [line.startswith("# ") for line in text[1:]] == [True, False] * 3
        assert "git pull keeps working" in text[1] and "exported" in text[5]
        clone = tmp_path / "clone"
        done = subprocess.run(
            [*text[2].split(), str(clone)],
            capture_output=True,
            text=True,
            env={**cli.env, "GIT_TERMINAL_PROMPT": "0"},
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        assert (clone / "interview.json").exists()
    assert f"Clone URLs use {served.base}" in served.output
    # Once the server has stopped, clone-url says it assumes the default again.
    assert "no server is running" in cli("clone-url", "shop").out
