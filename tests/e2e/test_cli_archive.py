"""``archive``, ``restore``, ``delete`` and ``projects --archived/--trash`` through the real CLI."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time

from tests.e2e.conftest import DEMO_ANSWERS, Cli
from tests.support.gitcli import git


def _on_terminal(cli: Cli, args: list[str], wait_for: bytes, typed: bytes) -> tuple[int, str]:
    """Run the CLI on a pseudo-terminal, type ``typed`` once ``wait_for`` shows."""
    main_fd, child_fd = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "devussy_git", *args],
        cwd=cli.workdir,
        env=cli.env,
        stdin=child_fd,
        stdout=child_fd,
        stderr=child_fd,
        close_fds=True,
    )
    os.close(child_fd)
    seen = b""
    deadline = time.monotonic() + 60
    while wait_for not in seen and time.monotonic() < deadline:
        if select.select([main_fd], [], [], 1)[0]:
            try:
                seen += os.read(main_fd, 4096)
            except OSError:
                break
    os.write(main_fd, typed)
    code = proc.wait(60)
    try:
        while select.select([main_fd], [], [], 0.5)[0]:
            seen += os.read(main_fd, 4096)
    except OSError:
        pass  # the child closed the terminal: all it wrote is read
    os.close(main_fd)
    return code, seen.decode(errors="replace")


def test_archive_hides_and_freezes_a_project_and_restore_undoes_it(cli: Cli) -> None:
    assert cli("new", "shop", "--answers", str(DEMO_ANSWERS)).code == 0
    assert cli("run", "shop").code == 0
    repo = cli.workdir / "repos" / "shop.git"
    head = git(repo, "rev-parse", "main").strip()

    r = cli("archive", "shop")
    assert r.code == 0, r.err
    assert "read-only" in r.out and "devussy-git restore shop" in r.out
    r = cli("projects")
    assert "shop" not in r.out.split() and "1 archived" in r.out and "projects --archived" in r.out
    assert cli("projects", "--archived", "--json").json()[0]["project_id"] == "shop"
    for verb in (
        ["handoff-next", "shop"],
        ["revert", "shop", "--yes"],
        ["run", "shop", "--yes"],
        ["handoff-next", "shop", "--preview"],
    ):
        r = cli(*verb)
        assert r.code == 1, (verb, r.out)
        assert "archived" in r.err and "devussy-git restore shop" in r.err and "Traceback" not in r.err
    assert git(repo, "rev-parse", "main").strip() == head
    assert "Archived" in cli("status", "shop").out
    assert cli("status", "shop", "--json").json()["archived"]["by"] == "cli:tester"
    assert cli("log", "shop").code == 0

    r = cli("restore", "shop")
    assert r.code == 0 and "accepts changes again" in r.out
    assert cli("handoff-next", "shop").code == 0
    assert cli("status", "shop", "--json").json()["archived"] is None


def test_delete_asks_for_the_name_keeps_a_bundle_and_restore_brings_it_back(cli: Cli) -> None:
    assert cli("new", "shop", "--answers", str(DEMO_ANSWERS)).code == 0
    assert cli("run", "shop").code == 0
    repo = cli.workdir / "repos" / "shop.git"
    refs = git(repo, "for-each-ref")

    r = cli("delete", "shop")  # not a terminal, no --yes
    assert r.code == 1 and "--yes" in r.err and repo.exists()
    code, text = _on_terminal(cli, ["delete", "shop"], b"Type shop to delete it:", b"yes\n")
    assert code == 0 and "Nothing deleted." in text and repo.exists()
    assert ".trash/" in text and "30 days" in text
    code, text = _on_terminal(cli, ["delete", "shop"], b"Type shop to delete it:", b"shop\n")
    assert code == 0 and "Deleted shop." in text, text
    assert not repo.exists()

    listed = cli("projects", "--trash", "--json").json()
    assert [e["project_id"] for e in listed] == ["shop"] and listed[0]["bundle"].endswith(".bundle")
    assert "No projects yet" in cli("projects").out
    r = cli("status", "shop")
    assert r.code == 1 and "Traceback" not in r.err

    r = cli("restore", "shop")
    assert r.code == 0 and "back from the trash" in r.out
    assert git(repo, "for-each-ref") == refs
    assert cli("projects", "--trash").out.strip() == "The trash is empty."
    assert cli("delete", "shop", "--yes").code == 0 and not repo.exists()
    r = cli("delete", "nope", "--yes")
    assert r.code == 1 and "no project" in r.err.lower()
