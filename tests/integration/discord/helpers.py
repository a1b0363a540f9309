"""Members, answers and flow steps shared by the Discord integration and e2e tests."""

from __future__ import annotations

from pathlib import Path

from devussy_git.config import Settings
from tests.support.discord_fakes import DiscordHarness, FakeChannel, Member

ALICE = Member(111111111111111111, "alice")
BOB = Member(222222222222222222, "bob")
ADMIN = Member(333333333333333333, "admin", manage_guild=True)

#: Answers typed one message at a time (REST API in Python): every required
#: question, one choice by number, skips, yes/no, a list and a team size.
ANSWERS = [
    "2",
    "Python",
    "skip",
    "catalog, cart, checkout with Stripe",
    "1",
    "1",
    "yes",
    "Stripe, SendGrid",
    "skip",
    "2",
    "no",
    "skip",
    "3",
]


def settings_for(tmp: Path, **more: object) -> Settings:
    return Settings(repos_root=tmp / "repos", database_url=f"sqlite+aiosqlite:///{tmp}/db.sqlite").with_(**more)


async def interview(h: DiscordHarness, member: Member, name: str = "Shop API") -> FakeChannel:
    """``/devussy new`` and every answer; returns the project's thread."""
    await h.command("devussy new", member, name=name)
    thread = h.threads[-1]
    for answer in ANSWERS:
        await h.say(thread, member, answer)
    return thread


async def planned(h: DiscordHarness, member: Member, name: str = "Shop API") -> FakeChannel:
    """A project interviewed and run (offline provider)."""
    thread = await interview(h, member, name)
    await h.command("devussy run", member, channel=thread)
    return thread
