"""Forward a read of a project this node does not own to the owner's ``serve``, streaming.

A clone (``/git/<id>.git/...``) or a file read that reaches a node which does not hold
the repository is sent on to the node that does, with the client's ``Authorization``
header (the owner checks it, as for a request it got directly) and a hop header naming
this node. A request that already carries the hop header is never sent on again: two
nodes that each think the other owns a project answer 508 instead of looping. Bodies
stream both ways; nothing is buffered whole. This module must never log the
``Authorization`` header.
"""

from __future__ import annotations

import logging

import httpx
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse

__all__ = ["HOP_HEADER", "proxy_request"]

log = logging.getLogger(__name__)

#: Set on a proxied request (value: the node that sent it on); such a request is never proxied again.
HOP_HEADER = "x-devussy-hop"

#: Request headers the owner needs to answer as if asked directly.
_REQUEST_HEADERS = (
    "authorization",
    "accept",
    "accept-encoding",
    "content-encoding",
    "content-length",
    "content-type",
    "git-protocol",
    "user-agent",
)
#: Response headers that belong to one connection, not to the answer.
_HOP_BY_HOP = frozenset({"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade"})


async def proxy_request(
    request: Request,
    base_url: str,
    *,
    this_node: str,
    owner: str,
    project_id: str,
    timeout_s: float = 300.0,
) -> Response:
    """The owner's answer to ``request``, streamed; 508 for a request already proxied once,
    503 naming the owner when it cannot be reached."""
    if request.headers.get(HOP_HEADER):
        return PlainTextResponse(
            f"Node {this_node} was asked by node {request.headers[HOP_HEADER]} for project {project_id}, "
            f"which node {this_node} does not have either (it belongs to {owner}): not forwarding it again.\n",
            status_code=508,
        )
    url = base_url.rstrip("/") + request.url.path
    if request.url.query:
        url += "?" + request.url.query
    headers = {name: request.headers[name] for name in _REQUEST_HEADERS if name in request.headers}
    headers[HOP_HEADER] = this_node
    has_body = request.method in ("POST", "PUT", "PATCH")
    client = httpx.AsyncClient(timeout=httpx.Timeout(timeout_s, connect=10.0))
    outgoing = client.build_request(
        request.method, url, headers=headers, content=request.stream() if has_body else None
    )
    try:
        upstream = await client.send(outgoing, stream=True)
    except httpx.HTTPError as exc:
        await client.aclose()
        log.warning("node %s unreachable at %s for %s: %s", owner, base_url, project_id, type(exc).__name__)
        return PlainTextResponse(
            f"Project {project_id} is on node {owner}, which cannot be reached at {base_url} "
            f"({type(exc).__name__}); try again later.\n",
            status_code=503,
            headers={"Retry-After": "30"},
        )

    async def close() -> None:
        await upstream.aclose()
        await client.aclose()

    answer = [(k, v) for k, v in upstream.headers.multi_items() if k.lower() not in _HOP_BY_HOP]
    response = StreamingResponse(
        upstream.aiter_raw(), status_code=upstream.status_code, background=BackgroundTask(close)
    )
    response.raw_headers = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in answer]
    return response
