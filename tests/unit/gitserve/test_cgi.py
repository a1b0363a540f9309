"""The CGI environment given to git http-backend and the header block it returns."""

from __future__ import annotations

from pathlib import Path

import pytest

from devussy_git.gitserve.cgi import CgiHeaderError, build_cgi_env, parse_cgi_head


def _env(headers: dict[str, str]) -> dict[str, str]:
    return build_cgi_env(
        repos_root=Path("/srv/repos"),
        method="POST",
        path_info="/p.git/git-upload-pack",
        query_string="",
        headers=headers,
        remote_addr="127.0.0.1",
        server_name="localhost",
        server_port="8000",
    )


def test_env_passes_protocol_headers_and_never_credentials() -> None:
    env = _env(
        {
            "Git-Protocol": "version=2",
            "Content-Type": "application/x-git-upload-pack-request",
            "Content-Encoding": "gzip",
            "Content-Length": "123",
            "Authorization": "Basic c2VjcmV0",
            "Cookie": "session=1",
            "X-Remote-User": "admin",
        }
    )
    assert env["HTTP_GIT_PROTOCOL"] == "version=2"
    assert env["CONTENT_TYPE"] == "application/x-git-upload-pack-request"
    assert env["HTTP_CONTENT_ENCODING"] == "gzip"
    assert env["CONTENT_LENGTH"] == "123"
    assert env["GIT_PROJECT_ROOT"] == "/srv/repos"
    assert env["GIT_HTTP_EXPORT_ALL"] == "1"
    assert "c2VjcmV0" not in "".join(env.values())
    assert not {"HTTP_AUTHORIZATION", "REMOTE_USER", "HTTP_COOKIE", "HTTP_X_REMOTE_USER"} & env.keys()


def test_env_forces_hidden_proposals_and_runs_and_no_push() -> None:
    env = _env({})
    items = [(env[f"GIT_CONFIG_KEY_{i}"], env[f"GIT_CONFIG_VALUE_{i}"]) for i in range(int(env["GIT_CONFIG_COUNT"]))]
    pairs = dict(items)
    assert {v for k, v in items if k == "uploadpack.hideRefs"} == {"refs/proposals", "refs/runs"}
    assert pairs["http.receivepack"] == "false"
    assert pairs["http.getanyfile"] == "false"


@pytest.mark.parametrize(
    "headers",
    [
        {"Git-Protocol": "version=2\nX: y"},
        {"Content-Encoding": "br"},
        {"Content-Length": "-1"},
        {"Content-Type": "text/plain\r\nStatus: 200"},
    ],
)
def test_env_drops_malformed_header_values(headers: dict[str, str]) -> None:
    env = _env(headers)
    assert not {"HTTP_GIT_PROTOCOL", "HTTP_CONTENT_ENCODING", "CONTENT_LENGTH", "CONTENT_TYPE"} & env.keys()


def test_head_with_status_and_headers() -> None:
    head = parse_cgi_head(
        b"Status: 403 Forbidden\r\nContent-Type: text/plain\r\nConnection: close\r\nCache-Control: no-cache\r\n"
    )
    assert head.status == 403
    assert head.headers == (("content-type", "text/plain"), ("cache-control", "no-cache"))


def test_head_without_status_is_200() -> None:
    assert parse_cgi_head(b"Content-Type: application/x-git-upload-pack-result\n").status == 200


@pytest.mark.parametrize("block", [b"garbage line\r\n", b"Status: abc\r\n", b"Bad Name: x\r\n", b"X: y\n" * 100])
def test_malformed_heads_are_errors(block: bytes) -> None:
    with pytest.raises(CgiHeaderError):
        parse_cgi_head(block)
