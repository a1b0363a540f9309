"""A stock git client clones, fetches, pulls and lists plan repos through the router."""

from __future__ import annotations

import gzip
import subprocess
from pathlib import Path

import httpx
import pytest

from devussy_git.gitserve import clone_info
from tests.integration.git_http.conftest import PROJECT, PUBLIC_PROJECT, GitServer
from tests.integration.git_http.gitrepos import git, push_commit


def _refs(output: str) -> set[str]:
    return {line.split("\t", 1)[1] for line in output.splitlines() if "\t" in line}


@pytest.mark.parametrize("version", ["2", "0"])
def test_clone_with_token_brings_history_tags_and_trailers(
    server: GitServer, token: str, genv: dict[str, str], tmp_path: Path, version: str
) -> None:
    env = {**genv, "GIT_TRACE_PACKET": "1"}
    target = tmp_path / "clone"
    result = git(
        "-c",
        f"protocol.version={version}",
        "clone",
        server.url(PROJECT, token),
        str(target),
        env=env,
    )
    assert ("version 2" in result.stderr) is (version == "2")
    bare = server.root / f"{PROJECT}.git"
    trailers = ["log", "--format=%H%n%(trailers:only,unfold)", "main"]
    assert git(*trailers, env=genv, cwd=target).stdout == git(*trailers, env=genv, cwd=bare).stdout
    assert git("tag", "--list", env=genv, cwd=target).stdout.split() == ["run/r1", "run/r2"]
    assert (target / "handoff.md").read_text().startswith("# Handoff")
    assert "draft.md" not in {p.name for p in target.iterdir()}
    git("fsck", "--strict", env=genv, cwd=target)


@pytest.mark.parametrize("version", ["2", "0"])
def test_ls_remote_shows_main_and_run_tags_but_not_proposals(
    server: GitServer, token: str, genv: dict[str, str], version: str
) -> None:
    out = git("-c", f"protocol.version={version}", "ls-remote", server.url(PROJECT, token), env=genv).stdout
    refs = _refs(out)
    assert {"HEAD", "refs/heads/main", "refs/tags/run/r1", "refs/tags/run/r2"} <= refs
    assert not any(ref.startswith("refs/proposals") for ref in refs)


@pytest.mark.parametrize("version", ["2", "0"])
def test_proposal_commit_cannot_be_fetched_by_sha(
    server: GitServer, token: str, genv: dict[str, str], tmp_path: Path, version: str
) -> None:
    """Hidden refs stay hidden even to a client that knows a proposal's commit id.

    v0 upload-pack checks reachability itself; for v2 the router does (git 2.39's
    v2 upload-pack would serve any object named by its id).
    """
    bare = server.root / f"{PROJECT}.git"
    proposal_sha = git("rev-parse", "refs/proposals/p1", env=genv, cwd=bare).stdout.strip()
    target = tmp_path / "clone"
    git("clone", "--quiet", server.url(PROJECT, token), str(target), env=genv)
    fetched = git(
        "-c",
        f"protocol.version={version}",
        "fetch",
        "origin",
        proposal_sha,
        env=genv,
        cwd=target,
        check=False,
    )
    assert fetched.returncode != 0
    assert git("cat-file", "-e", proposal_sha, env=genv, cwd=target, check=False).returncode != 0
    older = git("rev-parse", "main~2", env=genv, cwd=bare).stdout.strip()
    git("-c", f"protocol.version={version}", "fetch", "origin", older, env=genv, cwd=target)


def _pkt(text: str) -> bytes:
    return b"%04x" % (len(text) + 4) + text.encode()


def test_v2_object_info_and_unknown_wants_are_refused(server: GitServer, token: str, genv: dict[str, str]) -> None:
    bare = server.root / f"{PROJECT}.git"
    proposal_blob = git("rev-parse", "refs/proposals/p1:draft.md", env=genv, cwd=bare).stdout.strip()
    headers = {"Git-Protocol": "version=2", "Content-Type": "application/x-git-upload-pack-request"}
    url = f"{server.url(PROJECT)}/git-upload-pack"
    info = _pkt("command=object-info\n") + b"0001" + _pkt("size\n") + _pkt(f"oid {proposal_blob}\n") + b"0000"
    assert httpx.post(url, content=info, headers=headers, auth=("x", token)).status_code == 403
    for want in (proposal_blob, "f" * 40):
        body = _pkt("command=fetch\n") + b"0001" + _pkt(f"want {want}\n") + _pkt("done\n") + b"0000"
        response = httpx.post(url, content=body, headers=headers, auth=("x", token))
        assert response.status_code == 403
        assert b"PACK" not in response.content
    garbage = httpx.post(url, content=b"zzzz", headers=headers, auth=("x", token))
    assert garbage.status_code == 400


def test_pull_sees_a_new_commit_at_once(server: GitServer, token: str, genv: dict[str, str], tmp_path: Path) -> None:
    target = tmp_path / "clone"
    git("clone", "--quiet", server.url(PROJECT, token), str(target), env=genv)
    new_sha = push_commit(
        server.root / f"{PROJECT}.git", tmp_path / "writer", genv, "handoff.md", "# Handoff\n\nfresh\n"
    )
    git("pull", "--quiet", "--ff-only", env=genv, cwd=target)
    assert git("rev-parse", "HEAD", env=genv, cwd=target).stdout.strip() == new_sha
    assert (target / "handoff.md").read_text() == "# Handoff\n\nfresh\n"


def test_public_project_clones_without_token_until_made_private(
    server: GitServer, genv: dict[str, str], tmp_path: Path
) -> None:
    server.access.set_public(PUBLIC_PROJECT, True)
    try:
        git("clone", "--quiet", server.url(PUBLIC_PROJECT), str(tmp_path / "a"), env=genv)
        assert (tmp_path / "a" / "devplan.md").is_file()
    finally:
        server.access.set_public(PUBLIC_PROJECT, False)
    refused = git("clone", server.url(PUBLIC_PROJECT), str(tmp_path / "b"), env=genv, check=False)
    assert refused.returncode != 0
    assert not (tmp_path / "b" / "devplan.md").exists()


def test_rotate_invalidates_the_old_token(server: GitServer, genv: dict[str, str], tmp_path: Path) -> None:
    old = server.access.token_for(PUBLIC_PROJECT)
    git("ls-remote", server.url(PUBLIC_PROJECT, old), env=genv)
    new = server.access.rotate(PUBLIC_PROJECT)
    assert new != old
    assert git("ls-remote", server.url(PUBLIC_PROJECT, old), env=genv, check=False).returncode != 0
    git("ls-remote", server.url(PUBLIC_PROJECT, new), env=genv)


def test_every_clone_info_command_clones_and_later_pulls(
    server: GitServer, genv: dict[str, str], tmp_path: Path
) -> None:
    info = clone_info(server.access, server.base_url, PROJECT)
    assert info.plain_url == server.url(PROJECT)
    assert len(info.commands) == 3
    for index, command in enumerate(info.commands):
        work = tmp_path / f"c{index}"
        work.mkdir()
        subprocess.run(["bash", "-c", command], cwd=work, env=genv, check=True, capture_output=True)
        clone = work / f"{PROJECT}"
        assert (clone / "devplan.md").is_file(), command
        if index == 1:  # the extraHeader form keeps working for later fetches
            git("pull", "--quiet", env=genv, cwd=clone)
            assert info.url not in git("remote", "-v", env=genv, cwd=clone).stdout


@pytest.mark.parametrize("gzipped", [False, True])
@pytest.mark.parametrize("version", ["2", "0"])
def test_upload_pack_request_bodies_may_be_gzip_encoded(
    server: GitServer, token: str, genv: dict[str, str], gzipped: bool, version: str
) -> None:
    main = git("rev-parse", "main", env=genv, cwd=server.root / f"{PROJECT}.git").stdout.strip()
    body = f"0032want {main}\n00000009done\n".encode()
    headers = {"Content-Type": "application/x-git-upload-pack-request"}
    expected_start = b"0008NAK\n"
    if version == "2":
        body = _pkt("command=fetch\n") + b"0001" + _pkt(f"want {main}\n") + _pkt("done\n") + b"0000"
        headers["Git-Protocol"] = "version=2"
        expected_start = b"000dpackfile\n"
    if gzipped:
        body, headers["Content-Encoding"] = gzip.compress(body), "gzip"
    response = httpx.post(f"{server.url(PROJECT)}/git-upload-pack", content=body, headers=headers, auth=("x", token))
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/x-git-upload-pack-result"
    assert response.content.startswith(expected_start) and b"PACK" in response.content
