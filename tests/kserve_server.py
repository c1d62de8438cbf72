"""A loopback stand-in for the two reads wait-for-inference-service makes, since no cluster
runs here: the Kubernetes API's GET of one InferenceService, answering with the status fields
KServe documents (`status.conditions`, `status.address.url`), and the served model's
`/v1/models` as vLLM answers it. Every request path is recorded."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from werkzeug.wrappers import Request, Response

from tests.tls import LoopbackAuthority, free_port
from tests.wsgi_server import serving

TOKEN = "pipeline-sa-token"
SERVICE = "mistral-24b-quantized"


@contextmanager
def kubernetes(
    authority: LoopbackAuthority, ready_after: int, served_url: str | None = None
) -> Iterator[dict[str, Any]]:
    """The API server stand-in; `ready_after` reads report the service not Ready yet;
    `served_url` replaces the URL the status reports (its own /served by default)."""
    port = free_port()
    state: dict[str, Any] = {"reads": 0, "port": port, "paths": []}
    path = f"/apis/serving.kserve.io/v1beta1/namespaces/private-ai-demo/inferenceservices/{SERVICE}"

    @Request.application
    def application(request: Request) -> Response:
        state["paths"].append(request.path)
        if request.headers.get("Authorization") != f"Bearer {TOKEN}":
            return Response("unauthorized", status=401)
        if request.path == "/served/v1/models":
            return Response(json.dumps({"object": "list", "data": [{"id": SERVICE}]}))
        if request.path != path:
            return Response(json.dumps({"kind": "Status", "code": 404}), status=404)
        state["reads"] += 1
        ready = state["reads"] > ready_after
        condition = {"type": "Ready", "status": "True" if ready else "False"}
        if not ready:
            condition |= {"reason": "RevisionMissing", "message": "loading weights"}
        status = {
            "conditions": [condition],
            "address": {"url": served_url or f"https://localhost:{port}/served"},
        }
        return Response(json.dumps({"kind": "InferenceService", "status": status}))

    with serving(application, port, authority):
        yield state


def service_account(directory: Path, authority: LoopbackAuthority) -> Path:
    directory.mkdir()
    (directory / "token").write_text(TOKEN)
    (directory / "ca.crt").write_bytes(authority.ca_cert.read_bytes())
    (directory / "service-ca.crt").write_bytes(authority.ca_cert.read_bytes())
    return directory
