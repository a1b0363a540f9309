"""Parsing protocol v2 request bodies to find their wants."""

from __future__ import annotations

import gzip

import pytest

from devussy_git.gitserve.wants import V2RequestError, decode_body, parse_v2_request

OID = "12fe95225c7dcbbd97ac5ea3e398d1dcb63a6004"


def _pkt(text: str) -> bytes:
    return b"%04x" % (len(text) + 4) + text.encode()


def _fetch(*args: str) -> bytes:
    return (
        _pkt("command=fetch\n")
        + _pkt("agent=git/2.39.5\n")
        + b"0001"
        + b"".join(_pkt(a + "\n") for a in args)
        + b"0000"
    )


def test_fetch_wants_and_want_refs_are_found() -> None:
    parsed = parse_v2_request(
        _fetch(f"want {OID}", "thin-pack", f"have {'a' * 40}", "want-ref refs/proposals/p1", "done")
    )
    assert parsed.command == "fetch"
    assert parsed.wants == (OID,)
    assert parsed.want_refs == ("refs/proposals/p1",)


def test_capability_lines_are_not_arguments() -> None:
    body = _pkt("command=fetch\n") + _pkt(f"want {OID}\n") + b"0001" + b"0000"
    assert parse_v2_request(body).wants == ()


def test_ls_refs_has_no_wants() -> None:
    body = _pkt("command=ls-refs\n") + b"0001" + _pkt("peel\n") + _pkt("ref-prefix refs/heads/\n") + b"0000"
    parsed = parse_v2_request(body)
    assert (parsed.command, parsed.wants) == ("ls-refs", ())


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"zzzz",
        b"0x10command=fetch",
        _pkt("want " + OID),
        b"00ffcommand=fetch\n",
        _fetch("want not-an-oid"),
        _fetch(f"want {OID.upper()}"),
        b"+01acommand=fetch",
    ],
)
def test_malformed_bodies_are_errors(body: bytes) -> None:
    with pytest.raises(V2RequestError):
        parse_v2_request(body)


def test_gzip_bodies_are_decoded_within_the_limit() -> None:
    body = _fetch(f"want {OID}")
    assert decode_body(gzip.compress(body), "gzip", 1000) == body
    assert decode_body(body, None, 10) == body  # plain bodies are bounded by the reader
    with pytest.raises(V2RequestError):
        decode_body(gzip.compress(b"0" * 10_000), "gzip", 1000)  # a gzip bomb stops early
    with pytest.raises(V2RequestError):
        decode_body(b"not gzip", "gzip", 1000)
    with pytest.raises(V2RequestError):
        decode_body(body, "br", 1000)
