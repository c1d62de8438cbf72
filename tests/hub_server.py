"""A Hugging Face Hub stand-in on loopback, for download-model's hf:// path.

No test may reach huggingface.co, so this serves the two Hub endpoints the download uses, as
huggingface_hub calls them: `GET /api/models/{repo}/revision/{revision}?blobs=true` (commit sha,
its date as `lastModified`, and files with sizes and LFS sha256), for `main` and for the commit
itself, and `GET /{repo}/resolve/{commit}/{path}` (with Range, and a redirect to a CDN path as
the Hub does for LFS files). It records every request, and can cut a download short once, to
test resuming.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import attrs
from werkzeug.wrappers import Request, Response

from tests.tls import LoopbackAuthority, free_port
from tests.wsgi_server import serving

COMMIT = "0123456789abcdef0123456789abcdef01234567"
COMMIT_DATE = "2025-01-30T12:34:56.000Z"
"""lastModified as the Hub writes it: milliseconds and Z."""


@attrs.define
class HubStandIn:
    """One repository's files, the token it requires (if any), and what it was asked."""

    repo: str
    files: dict[str, bytes]
    token: str | None = None
    base_url: str = ""
    cut_after: int | None = None
    listed_sizes: dict[str, int] = attrs.Factory(dict)
    """Sizes the listing gives instead of the real ones: a server that sends more than it says."""
    listing: tuple[int, bytes] | None = None
    """(status, body) the listing answers instead of the repository's files: a broken Hub."""
    last_modified: str | None = COMMIT_DATE
    """The revision's lastModified; None leaves it out, as a partial mirror might."""
    requests: list[dict[str, Any]] = attrs.Factory(list)

    @property
    def host(self) -> str:
        """host:port of the plain-http stand-in, for INSECURE_HOSTS."""
        return self.base_url.removeprefix("http://")

    def bytes_served(self, path: str) -> int:
        return sum(r["served"] for r in self.requests if r["path"] == f"/cdn/{path}")


def _application(hub: HubStandIn) -> Any:
    @Request.application
    def application(request: Request) -> Response:
        record = {
            "path": request.path,
            "range": request.headers.get("Range"),
            "authorization": request.headers.get("Authorization"),
            "served": 0,
        }
        hub.requests.append(record)
        authorized = hub.token is None or record["authorization"] == f"Bearer {hub.token}"
        if request.path.startswith("/cdn/"):
            return _serve(hub, request.path.removeprefix("/cdn/"), request, record)
        if not authorized:
            return Response("gated repo", status=401)
        revisions = {f"/api/models/{hub.repo}/revision/{name}" for name in ("main", COMMIT)}
        if request.path in revisions and hub.listing:
            return Response(hub.listing[1], status=hub.listing[0])
        if request.path in revisions:
            siblings = [
                {
                    "rfilename": name,
                    "size": hub.listed_sizes.get(name, len(data)),
                    "lfs": {
                        "sha256": hashlib.sha256(data).hexdigest(),
                        "size": hub.listed_sizes.get(name, len(data)),
                    },
                }
                for name, data in sorted(hub.files.items())
            ]
            body: dict[str, Any] = {"id": hub.repo, "sha": COMMIT, "siblings": siblings}
            if hub.last_modified is not None:
                body["lastModified"] = hub.last_modified
            return Response(json.dumps(body), content_type="application/json")
        prefix = f"/{hub.repo}/resolve/{COMMIT}/"
        if request.path.startswith(prefix):
            name = request.path.removeprefix(prefix)
            if name not in hub.files:
                return Response("no such file", status=404)
            return Response(status=302, headers={"Location": f"{hub.base_url}/cdn/{name}"})
        return Response("not found", status=404)

    return application


def _serve(hub: HubStandIn, name: str, request: Request, record: dict[str, Any]) -> Response:
    data = hub.files[name]
    start = 0
    status = 200
    headers = {}
    if request.headers.get("Range", "").startswith("bytes="):
        start = int(request.headers["Range"].removeprefix("bytes=").split("-")[0])
        status = 206
        headers["Content-Range"] = f"bytes {start}-{len(data) - 1}/{len(data)}"
    body = data[start:]
    if hub.cut_after is not None:
        body = body[: hub.cut_after]
        hub.cut_after = None
        headers["Content-Length"] = str(len(data) - start)
    record["served"] = len(body)
    return Response(body, status=status, headers=headers)


@contextmanager
def running_hub(
    hub: HubStandIn, authority: LoopbackAuthority | None = None
) -> Iterator[HubStandIn]:
    """Serve `hub` on plain http, or over TLS from `authority` as a mirror a step trusts."""
    port = free_port()
    hub.base_url = f"https://localhost:{port}" if authority else f"http://127.0.0.1:{port}"
    with serving(_application(hub), port, authority):
        yield hub
