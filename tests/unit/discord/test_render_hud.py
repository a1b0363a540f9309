"""The HUD's text: the progress bar and Discord's limits with the largest plans."""

from __future__ import annotations

from datetime import UTC, datetime

from devussy_git.db import ProjectRecord
from devussy_git.faces.discord.render_hud import hud_digest, progress_bar, render_hud
from devussy_git.services.hud import Hud, HudPhase
from devussy_git.store import CommitInfo, Identity


def test_the_bar_is_full_only_when_every_task_is_done() -> None:
    assert progress_bar(0, 24) == "▱" * 20 + " 0%"
    assert progress_bar(12, 24) == "▰" * 10 + "▱" * 10 + " 50%"
    assert progress_bar(23, 24) == "▰" * 19 + "▱" + " 95%"
    assert progress_bar(24, 24) == "▰" * 20 + " 100%"
    assert progress_bar(0, 0) == "▱" * 20 + " 0%"


def _hud(**changes: object) -> Hud:
    when = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    commit = CommitInfo(
        "a" * 40, "s" * 300, "", "", Identity("n" * 300, "e@x"), when, Identity("b", "b@x"), when, (), {}
    )
    phases = tuple(HudPhase(n, "T" * 300, 1, 40) for n in range(1, 16))
    base = dict(
        project=ProjectRecord("p" * 63, "N" * 200, 1, 2, "x", when),
        head="a" * 40,
        phases=phases,
        active=phases[0],
        done=15,
        total=600,
        next_task="1.2: " + "t" * 2000,
        blockers=tuple("b" * 500 for _ in range(20)),
        last_commit=commit,
        clone_url="https://plans.example.com/git/" + "p" * 63 + ".git",
        archived=None,
    )
    base.update(changes)
    return Hud(**base)


def test_the_largest_hud_fits_discord_limits() -> None:
    payload = render_hud(_hud())
    payload.check_limits()
    fields = {f.name: f.value for f in payload.embeds[0].fields}
    assert fields["Phase"].startswith("1 of 15 · ")
    assert fields["Last change"].endswith("<t:1767323045:R>")
    assert len(fields["Blockers"].splitlines()) == 5


def test_a_hud_before_any_plan_and_the_digest_follows_content() -> None:
    empty = render_hud(_hud(phases=(), active=None, done=0, total=0, next_task=None, blockers=()))
    assert {f.name for f in empty.embeds[0].fields} >= {"Plan", "Clone"}
    one, two = render_hud(_hud()), render_hud(_hud(done=16))
    assert hud_digest("a" * 40, one) == hud_digest("a" * 40, render_hud(_hud()))
    assert hud_digest("a" * 40, one) != hud_digest("a" * 40, two)
    assert len(hud_digest(None, one)) == 64 and hud_digest(None, one).startswith("0" * 40 + ":")
