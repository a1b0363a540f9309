"""The FastAPI router serving plan repos read-only over git smart HTTP.

Mounted at prefix ``""``; handles every path under ``/git/``. Order of
checks, each before the next is allowed to touch anything:

1. the path names ``<project_id>.git/...`` with a valid id, else 404 (no
   filesystem access at all; covers ``..``, ``%2e%2e``, absolute paths);
2. ``<id>.git`` is not a symlink leading outside the repos root, else 404;
3. the token (HTTP Basic password) matches, or the project is public, else
   401 -- the very same 401 for a project that does not exist;
4. push (``git-receive-pack`` and its ``info/refs`` probe) -> 403; anything
   but smart upload-pack (dumb HTTP object reads) -> 404;
5. a protocol v2 fetch may only want objects that branches or tags reach
   (see :mod:`.wants`; v0 upload-pack checks that itself), else 403;
6. only then ``git http-backend`` runs (see :mod:`.backend`).

Before step 3, a project whose repository is on another node is proxied to that
node's serve (see :mod:`.proxy`). ``/nodes/git/<id>.git/...`` is the node-sync
endpoint: fetch only, every ref (runs and proposals too), for the node token only;
``/nodes/files/<id>`` gives the repository's side files (clone access, archive mark)
to the same token.

This module must never log the ``Authorization`` header or URLs with
credentials, and never hand a path it did not build itself to the backend.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from fastapi import APIRouter, Request
from starlette.requests import ClientDisconnect
from starlette.responses import JSONResponse, PlainTextResponse, Response

from devussy_git.errors import InvalidInputError, NotFoundError
from devussy_git.gitserve.access import CloneAccess
from devussy_git.gitserve.backend import BackendLimits, BackendResponse
from devussy_git.gitserve.cgi import build_cgi_env
from devussy_git.gitserve.mirror import read_side_files
from devussy_git.gitserve.paths import (
    GitRequest,
    GitRequestKind,
    classify_git_path,
    repo_dir,
    repo_path_escapes,
)
from devussy_git.gitserve.wants import (
    V2RequestError,
    decode_body,
    parse_v2_request,
    unreachable_wants,
)
from devussy_git.metrics import Metrics

__all__ = ["REALM", "V2_BUFFER_LIMIT", "Locate", "make_git_router"]

#: ``locate(project_id)``: ``None`` when the project's repository is on this node, else
#: its owner node and that node's serve URL (``None`` when the owner never recorded one).
Locate = Callable[[str], Awaitable[tuple[str, str | None] | None]]

#: The HTTP Basic realm git clients are challenged with.
REALM = "devussy"

_ROUTE_ADVERTISEMENT = "/git/{project_id}.git/info/refs"
_ROUTE_UPLOAD_PACK = "/git/{project_id}.git/git-upload-pack"
_ROUTE_RECEIVE_PACK = "/git/{project_id}.git/git-receive-pack"
_ROUTE_OTHER_REPO_PATH = "/git/{project_id}.git/{other}"
_ROUTE_OTHER = "/git/{path}"
#: Protocol v2 request bodies are read whole (to check their wants) up to this size.
V2_BUFFER_LIMIT = 8 * 2**20
_METHODS = ["GET", "POST", "HEAD", "PUT", "DELETE", "PATCH", "OPTIONS"]

log = logging.getLogger(__name__)


def make_git_router(
    repos_root: Path,
    access: CloneAccess,
    *,
    metrics: Metrics | None = None,
    max_body_bytes: int = 50 * 2**20,
    backend_timeout_s: float = 300,
    locate: Locate | None = None,
    this_node: str = "local",
) -> APIRouter:
    """A router answering ``/git/<project_id>.git/...`` from the repos under ``repos_root``."""
    root = repos_root.resolve()
    limits = BackendLimits(max_body_bytes=max_body_bytes, timeout_s=backend_timeout_s)
    router = APIRouter()

    def record(route: str, method: str, status: int, started: float) -> None:
        if metrics is not None:
            metrics.observe_request(route, method, status, time.monotonic() - started)

    @router.api_route("/git/{path:path}", methods=_METHODS, include_in_schema=False)
    async def git_smart_http(request: Request, path: str) -> Response:
        started = time.monotonic()
        method = request.method
        git_request = classify_git_path(path, request.query_params.get("service"))
        if git_request is None or repo_path_escapes(root, git_request.project_id):
            record(_ROUTE_OTHER, method, 404, started)
            return _not_found()
        route, expected_method = _route_of(git_request)
        owner = await locate(git_request.project_id) if locate is not None else None
        if owner is not None:
            proxied = await _to_owner(request, owner, this_node, git_request.project_id, limits.timeout_s)
            record(route, method, proxied.status_code, started)
            return proxied
        if not access.check(git_request.project_id, request.headers.get("authorization")):
            record(route, method, 401, started)
            return _unauthorized()
        if git_request.kind is GitRequestKind.RECEIVE_PACK:
            record(route, method, 403, started)
            return PlainTextResponse("This repository is read-only.\n", status_code=403)
        if not expected_method:
            record(route, method, 404, started)
            return _not_found()
        if method != expected_method:
            record(route, method, 405, started)
            return PlainTextResponse("Method not allowed.\n", status_code=405, headers={"Allow": expected_method})
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > max_body_bytes:
            record(route, method, 413, started)
            return PlainTextResponse("Request body too large.\n", status_code=413)

        is_advertisement = git_request.kind is GitRequestKind.UPLOAD_PACK_ADVERTISEMENT
        project_id = git_request.project_id
        client = request.client
        env = build_cgi_env(
            repos_root=root,
            method=method,
            path_info=f"/{project_id}.git/{git_request.rest}",
            query_string="service=git-upload-pack" if is_advertisement else "",
            headers=request.headers,
            remote_addr=client.host if client else "",
            server_name=request.url.hostname or "localhost",
            server_port=str(request.url.port or ""),
        )
        body: bytes | None = None
        if git_request.kind is GitRequestKind.UPLOAD_PACK and _is_v2(request):
            inspected = await _inspect_v2_body(request, root, project_id, env, limits)
            if isinstance(inspected, Response):
                record(route, method, inspected.status_code, started)
                return inspected
            body = inspected

        def on_done(status: int, _seconds: float) -> None:
            record(route, method, status, started)
            if metrics is not None and is_advertisement and status == 200:
                metrics.count_clone(project_id)

        return BackendResponse(env, limits, on_done, body=body)

    @router.api_route("/nodes/git/{path:path}", methods=["GET", "POST"], include_in_schema=False)
    async def node_sync_git(request: Request, path: str) -> Response:
        git_request = classify_git_path(path, request.query_params.get("service"))
        if git_request is None or repo_path_escapes(root, git_request.project_id):
            return _not_found()
        if not access.check_node(request.headers.get("authorization")):
            return PlainTextResponse("The node token is required.\n", status_code=401)
        _route, expected_method = _route_of(git_request)
        fetching = git_request.kind in (GitRequestKind.UPLOAD_PACK_ADVERTISEMENT, GitRequestKind.UPLOAD_PACK)
        if not fetching or request.method != expected_method:
            return PlainTextResponse("Nodes may only fetch.\n", status_code=403)
        try:
            repo_dir(root, git_request.project_id)
        except NotFoundError:
            return _not_found()
        is_advertisement = git_request.kind is GitRequestKind.UPLOAD_PACK_ADVERTISEMENT
        env = build_cgi_env(
            repos_root=root,
            method=request.method,
            path_info=f"/{git_request.project_id}.git/{git_request.rest}",
            query_string="service=git-upload-pack" if is_advertisement else "",
            headers=request.headers,
            remote_addr=request.client.host if request.client else "",
            server_name=request.url.hostname or "localhost",
            server_port=str(request.url.port or ""),
            hide_unfinished=False,
        )
        return BackendResponse(env, limits)

    @router.get("/nodes/files/{project_id}", include_in_schema=False)
    async def node_sync_files(request: Request, project_id: str) -> Response:
        if not access.check_node(request.headers.get("authorization")):
            return PlainTextResponse("The node token is required.\n", status_code=401)
        try:
            repo = repo_dir(root, project_id)
        except (InvalidInputError, NotFoundError):
            return _not_found()
        return JSONResponse(await asyncio.to_thread(read_side_files, repo))

    return router


async def _to_owner(
    request: Request, owner: tuple[str, str | None], this_node: str, project_id: str, timeout_s: float
) -> Response:
    from devussy_git.gitserve.proxy import proxy_request

    node, url = owner
    if url is None:
        return PlainTextResponse(
            f"Project {project_id} is on node {node}, whose serve has not recorded where it can be reached.\n",
            status_code=503,
            headers={"Retry-After": "30"},
        )
    return await proxy_request(
        request, url, this_node=this_node, owner=node, project_id=project_id, timeout_s=timeout_s
    )


def _route_of(git_request: GitRequest) -> tuple[str, str]:
    """The metrics route label, and the one method allowed ("" when nothing is served)."""
    if git_request.kind is GitRequestKind.UPLOAD_PACK_ADVERTISEMENT:
        return _ROUTE_ADVERTISEMENT, "GET"
    if git_request.kind is GitRequestKind.UPLOAD_PACK:
        return _ROUTE_UPLOAD_PACK, "POST"
    if git_request.kind is GitRequestKind.RECEIVE_PACK:
        return _ROUTE_RECEIVE_PACK, ""
    return _ROUTE_OTHER_REPO_PATH, ""


def _is_v2(request: Request) -> bool:
    return "version=2" in request.headers.get("git-protocol", "").split(":")


async def _inspect_v2_body(
    request: Request, root: Path, project_id: str, env: dict[str, str], limits: BackendLimits
) -> bytes | Response:
    """Read a v2 request body whole and refuse wants that only hidden refs reach.

    Returns the body to hand to the backend, or the refusal to send.
    """
    cap = min(limits.max_body_bytes, V2_BUFFER_LIMIT)
    chunks: list[bytes] = []
    size = 0
    try:
        async with asyncio.timeout(limits.timeout_s):
            async for chunk in request.stream():
                size += len(chunk)
                if size > cap:
                    return PlainTextResponse("Request body too large.\n", status_code=413)
                chunks.append(chunk)
    except ClientDisconnect:
        return PlainTextResponse("Client went away.\n", status_code=400)
    except TimeoutError:
        return PlainTextResponse("Request body too slow.\n", status_code=408)
    raw = b"".join(chunks)
    try:
        parsed = parse_v2_request(decode_body(raw, request.headers.get("content-encoding"), V2_BUFFER_LIMIT))
    except V2RequestError as exc:
        return PlainTextResponse(f"Bad protocol v2 request: {exc}.\n", status_code=400)
    if parsed.command == "object-info":
        return PlainTextResponse("object-info is not served.\n", status_code=403)
    if parsed.command == "fetch":
        try:
            repo = repo_dir(root, project_id)
        except NotFoundError:
            return _not_found()
        check_env = {**env, "GIT_DIR": str(repo)}
        if parsed.want_refs or await unreachable_wants(repo, parsed.wants, check_env, limits.timeout_s):
            log.info("refused a v2 fetch of unadvertised objects from %s", project_id)
            return PlainTextResponse("not our ref\n", status_code=403)
    return raw


def _not_found() -> Response:
    return PlainTextResponse("Not found.\n", status_code=404)


def _unauthorized() -> Response:
    return PlainTextResponse(
        "Authentication required: use the project's clone token as the password.\n",
        status_code=401,
        headers={"WWW-Authenticate": f'Basic realm="{REALM}"'},
    )
