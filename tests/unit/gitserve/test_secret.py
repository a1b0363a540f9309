"""The server secret: configured, or generated once into the repos root."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from devussy_git.config import Secret
from devussy_git.errors import StoreError
from devussy_git.gitserve.secret import SECRET_FILE_NAME, load_or_create_secret_key


def test_configured_key_wins_and_nothing_is_written(tmp_path: Path) -> None:
    assert load_or_create_secret_key(tmp_path, Secret("from-env")) == Secret("from-env")
    assert not (tmp_path / SECRET_FILE_NAME).exists()


def test_generated_key_is_private_random_and_stable(tmp_path: Path) -> None:
    root = tmp_path / "new-root"
    first = load_or_create_secret_key(root, None)
    path = root / SECRET_FILE_NAME
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(first.get()) == 64 and int(first.get(), 16) >= 0
    assert load_or_create_secret_key(root, None) == first
    assert load_or_create_secret_key(root, Secret("")) == first  # empty means unset
    assert load_or_create_secret_key(tmp_path / "other", None) != first
    assert [p.name for p in root.iterdir()] == [SECRET_FILE_NAME]


def test_processes_starting_together_agree_on_one_key(tmp_path: Path) -> None:
    code = (
        "import sys; from pathlib import Path;"
        "from devussy_git.gitserve.secret import load_or_create_secret_key as f;"
        "print(f(Path(sys.argv[1]), None).get())"
    )
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", code, str(tmp_path)],
            stdout=subprocess.PIPE,
            cwd=Path(__file__).resolve().parents[3],
        )
        for _ in range(8)
    ]
    keys = {proc.communicate(timeout=60)[0].decode().strip() for proc in procs}
    assert len(keys) == 1
    assert keys == {(tmp_path / SECRET_FILE_NAME).read_text()}
    assert sorted(os.listdir(tmp_path)) == [SECRET_FILE_NAME]


def test_a_damaged_key_file_is_an_error_not_replaced(tmp_path: Path) -> None:
    (tmp_path / SECRET_FILE_NAME).write_text("short")
    with pytest.raises(StoreError) as caught:
        load_or_create_secret_key(tmp_path, None)
    assert "DEVUSSY_SECRET_KEY" in caught.value.user_message
    assert (tmp_path / SECRET_FILE_NAME).read_text() == "short"
