"""Refuse protocol-v2 fetches of objects that no advertised ref reaches.

git 2.39's protocol v2 ``upload-pack`` serves any object named by its full
id, whether or not an advertised ref reaches it (v0 checks reachability
itself). Proposals live under hidden ``refs/proposals/*`` in the same object
store, so without this check a client holding a proposal's commit id could
fetch it. This module parses a v2 request body (pkt-lines, possibly gzip)
and asks ``git rev-list`` whether every ``want`` is reachable from
``refs/heads`` or ``refs/tags``. It must never run anything but ``git
rev-list`` with object ids it has checked to be hex.
"""

from __future__ import annotations

import asyncio
import re
import zlib
from dataclasses import dataclass
from pathlib import Path

from devussy_git.gitserve.cgi import git_executable

__all__ = ["V2Request", "V2RequestError", "decode_body", "parse_v2_request", "unreachable_wants"]

_OID = re.compile(rb"[0-9a-f]{40}|[0-9a-f]{64}")
_PKT_LENGTH = re.compile(rb"[0-9a-f]{4}")
_FLUSH, _DELIM, _RESPONSE_END = b"0000", b"0001", b"0002"


class V2RequestError(Exception):
    """The request body is not a well-formed protocol v2 command."""


@dataclass(frozen=True)
class V2Request:
    """The parts of a v2 command this module cares about."""

    command: str
    wants: tuple[str, ...]
    #: ``want-ref`` arguments (refused by upload-pack unless allowed in config).
    want_refs: tuple[str, ...]


def decode_body(body: bytes, content_encoding: str | None, limit: int) -> bytes:
    """``body`` as sent, or gunzipped when ``content_encoding`` says gzip (at most ``limit``)."""
    if not content_encoding or content_encoding.lower() == "identity":
        return body
    if content_encoding.lower() not in ("gzip", "x-gzip"):
        raise V2RequestError(f"unsupported content encoding {content_encoding[:20]!r}")
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(body, limit + 1)
    except zlib.error as exc:
        raise V2RequestError("bad gzip body") from exc
    if len(out) > limit or inflater.unconsumed_tail:
        raise V2RequestError("decompressed body too large")
    return out


def parse_v2_request(data: bytes) -> V2Request:
    """Parse ``command=...``, capabilities, then arguments up to the flush packet."""
    lines = list(_pkt_lines(data))
    if not lines or not lines[0].startswith(b"command="):
        raise V2RequestError("no command")
    command = lines[0][len(b"command=") :].decode("ascii", errors="replace")
    wants: list[str] = []
    want_refs: list[str] = []
    in_args = False
    for line in lines[1:]:
        if line == _DELIM:
            in_args = True
        elif line in (_FLUSH, _RESPONSE_END):
            break
        elif in_args and line.startswith(b"want "):
            oid = line[5:]
            if _OID.fullmatch(oid) is None:
                raise V2RequestError("bad object id in want")
            wants.append(oid.decode("ascii"))
        elif in_args and line.startswith(b"want-ref "):
            want_refs.append(line[9:].decode("utf-8", errors="replace"))
    return V2Request(command=command, wants=tuple(wants), want_refs=tuple(want_refs))


def _pkt_lines(data: bytes) -> list[bytes]:
    """Payloads of the pkt-lines in ``data`` (special packets returned as their 4 bytes)."""
    out: list[bytes] = []
    pos = 0
    while pos < len(data):
        head = data[pos : pos + 4]
        if _PKT_LENGTH.fullmatch(head) is None:
            raise V2RequestError("bad pkt-line length")
        size = int(head, 16)
        if size < 4:
            out.append(head)
            pos += 4
            continue
        payload = data[pos + 4 : pos + size]
        if len(payload) != size - 4:
            raise V2RequestError("truncated pkt-line")
        out.append(payload.rstrip(b"\n"))
        pos += size
    return out


async def unreachable_wants(repo: Path, wants: tuple[str, ...], env: dict[str, str], timeout_s: float) -> bool:
    """True when some want is missing or not reachable from ``refs/heads``/``refs/tags``.

    Runs ``git rev-list --objects --not --branches --tags --stdin`` in ``repo``:
    any output names an object only hidden refs (or nothing) reach. A check
    that fails or takes longer than ``timeout_s`` counts as unreachable.
    """
    if not wants:
        return False
    proc = await asyncio.create_subprocess_exec(
        git_executable(),
        "rev-list",
        "--objects",
        "--not",
        "--branches",
        "--tags",
        "--stdin",
        cwd=repo,
        env=env,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        stdout, _ = await asyncio.wait_for(proc.communicate("".join(f"{oid}\n" for oid in wants).encode()), timeout_s)
    except TimeoutError:
        return True
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    return proc.returncode != 0 or bool(stdout.strip())
