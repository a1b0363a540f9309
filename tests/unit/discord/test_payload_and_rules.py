"""Custom ids, message limits, permission rules and progress throttling."""

from __future__ import annotations

import pytest

from devussy_git.db import GuildConfig
from devussy_git.errors import PermissionDeniedError
from devussy_git.faces.discord.payload import (
    MAX_FILE_BYTES,
    ButtonSpec,
    EmbedField,
    EmbedSpec,
    FileSpec,
    MessagePayload,
    parse_custom_id,
)
from devussy_git.faces.discord.progress import ProgressTracker
from devussy_git.services import Caller, may_administer, may_operate, require_admin, require_operator


def test_custom_ids_round_trip_and_stay_under_100_characters() -> None:
    longest = "p" * 63
    spec = ButtonSpec("revert-yes", longest, "a" * 12, "Revert")
    assert len(spec.custom_id) <= 100
    assert parse_custom_id(spec.custom_id) == ("revert-yes", longest, "a" * 12)
    assert parse_custom_id("devussy:answer:shop-api:project_type.3") == ("answer", "shop-api", "project_type.3")


@pytest.mark.parametrize(
    "custom_id",
    [
        "devussy:explode:shop-api:1",
        "devussy:revert:Shop_API:1",
        "other:revert:shop-api:1",
        "devussy:revert:shop-api:",
        "devussy:revert:../x:1",
    ],
)
def test_foreign_or_malformed_custom_ids_are_not_ours(custom_id: str) -> None:
    assert parse_custom_id(custom_id) is None


def test_button_specs_refuse_unknown_actions_and_bad_ids() -> None:
    with pytest.raises(ValueError):
        ButtonSpec("explode", "shop-api", "1", "Boom")
    with pytest.raises(ValueError):
        ButtonSpec("revert", "shop api", "1", "Revert")


def test_limits_are_checked() -> None:
    MessagePayload(content="x" * 2000).check_limits()
    with pytest.raises(ValueError):
        MessagePayload(content="x" * 2001).check_limits()
    with pytest.raises(ValueError):
        MessagePayload(content="😀" * 1001).check_limits()  # 2,002 UTF-16 units
    big = EmbedSpec("t", "d" * 4000, fields=(EmbedField("n", "v" * 1024),) * 2)
    with pytest.raises(ValueError):
        MessagePayload(embeds=(big,)).check_limits()


def test_attachment_sizes_and_embed_pictures_are_checked() -> None:
    pictured = EmbedSpec("t", image="attachment://progress.png")
    MessagePayload(embeds=(pictured,), files=(FileSpec("progress.png", b"png"),)).check_limits()
    with pytest.raises(ValueError, match="not attached"):
        MessagePayload(embeds=(pictured,), files=(FileSpec("other.png", b"png"),)).check_limits()
    MessagePayload(files=(FileSpec("a.diff", b"x" * MAX_FILE_BYTES),)).check_limits()
    with pytest.raises(ValueError, match="8 MiB"):
        MessagePayload(files=(FileSpec("a.diff", b"x" * (MAX_FILE_BYTES + 1)),)).check_limits()
    four = tuple(FileSpec(f"{n}.diff", b"x" * MAX_FILE_BYTES) for n in range(4))
    with pytest.raises(ValueError, match="25 MiB"):
        MessagePayload(files=four).check_limits()


ROLE = 777


@pytest.mark.parametrize(
    ("caller", "config", "admin", "operate"),
    [
        (Caller(1), GuildConfig(42), False, True),
        (Caller(1, manage_guild=True), GuildConfig(42), True, True),
        (Caller(1), GuildConfig(42, role_id=ROLE), False, False),
        (Caller(1, frozenset({ROLE})), GuildConfig(42, role_id=ROLE), True, True),
        (Caller(1, frozenset({5})), GuildConfig(42, role_id=ROLE), False, False),
        (Caller(1, manage_guild=True), GuildConfig(42, role_id=ROLE), True, True),
    ],
    ids=["plain-no-role", "manager", "plain-role-set", "has-role", "other-role", "manager-role-set"],
)
def test_who_may_administer_and_operate(caller: Caller, config: GuildConfig, admin: bool, operate: bool) -> None:
    assert may_administer(caller, config) is admin
    assert may_operate(caller, config) is operate
    if not admin:
        with pytest.raises(PermissionDeniedError, match="Manage Server"):
            require_admin(caller, config)
    if not operate:
        with pytest.raises(PermissionDeniedError, match=f"<@&{ROLE}>"):
            require_operator(caller, config)


def test_progress_edits_are_spaced_except_the_last() -> None:
    tracker = ProgressTracker("r1", "p", min_interval_s=1.5)
    assert tracker.should_edit(10.0)
    assert not tracker.should_edit(10.5)
    assert tracker.should_edit(10.6, final=True)
    assert tracker.should_edit(12.2)


def test_progress_folds_events_and_runner_polls() -> None:
    tracker = ProgressTracker("r1", "p", min_interval_s=0)
    tracker.event("complexity", "started", 1.0)
    assert tracker.snapshot().current == "complexity"
    tracker.event("complexity", "completed", 3.5, 100, 20)
    tracker.event("design", "failed", 4.0, detail="timeout")
    snap = tracker.snapshot()
    assert [s.seconds for s in snap.stages if s.name == "complexity"] == [2.5]
    assert (snap.tokens_in, snap.tokens_out, snap.error) == (100, 20, "design: timeout")
    tracker.status([("design", "completed"), ("validation", "running")], 9.0)
    assert tracker.snapshot().current == "validation" and tracker.snapshot().elapsed_s == 9.0
