"""A loopback stand-in for the Kubernetes API, for the calls `modelcar submit` makes: get a
Tekton resource, create a PipelineRun, read it back. No cluster runs here, so the stand-in
answers as the API server documents those calls, records every request, and moves a created
run through Tekton's Succeeded condition on each read."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

import attrs
from werkzeug.wrappers import Request, Response

PATH = re.compile(
    r"/apis/tekton\.dev/(?P<version>v1|v1beta1)/namespaces/(?P<ns>[^/]+)/(?P<plural>[a-z]+)(?:/(?P<name>[^/]+))?"
)


@attrs.frozen
class Recorded:
    method: str
    path: str
    body: Any


@attrs.define
class KubernetesApi:
    """Resources by (plural, name); `progress` are the Succeeded conditions a run shows on
    successive reads, the last one staying; creating a resource of a `forbidden` plural is
    refused as RBAC refuses it."""

    resources: dict[tuple[str, str], dict[str, Any]] = attrs.Factory(dict)
    progress: list[dict[str, str]] = attrs.Factory(list)
    requests: list[Recorded] = attrs.Factory(list)
    forbidden: set[str] = attrs.Factory(set)
    reads: int = 0

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        request = Request(environ)
        body = json.loads(request.get_data() or b"null")
        self.requests.append(Recorded(request.method, request.path, body))
        match = PATH.fullmatch(request.path)
        if match is None:
            return _status(404, "NotFound", request.path)(environ, start_response)
        key = (match["plural"], match["name"] or "")
        if request.method == "POST" and match["plural"] in self.forbidden:
            message = (
                f'{match["plural"]}.tekton.dev is forbidden: User "tester" cannot create resource '
                f'"{match["plural"]}" in API group "tekton.dev" in the namespace "{match["ns"]}"'
            )
            return _status(403, "Forbidden", message)(environ, start_response)
        if request.method == "POST" and match["plural"] == "pipelineruns":
            created = {**body, "metadata": {**body["metadata"]}}
            created["metadata"]["name"] = created["metadata"].pop("generateName") + "x7k2p"
            self.resources[("pipelineruns", created["metadata"]["name"])] = created
            return _json(201, created)(environ, start_response)
        if request.method == "GET" and key in self.resources:
            found = self.resources[key]
            if match["plural"] == "pipelineruns" and self.progress:
                condition = self.progress[min(self.reads, len(self.progress) - 1)]
                self.reads += 1
                found = {**found, "status": {"conditions": [{"type": "Succeeded", **condition}]}}
            return _json(200, found)(environ, start_response)
        return _status(404, "NotFound", f"{match['plural']} {match['name']} not found")(
            environ, start_response
        )


def _json(code: int, body: Any) -> Response:
    return Response(json.dumps(body), status=code, content_type="application/json")


def _status(code: int, reason: str, message: str) -> Response:
    body = {
        "kind": "Status",
        "apiVersion": "v1",
        "status": "Failure",
        "reason": reason,
        "message": message,
        "code": code,
    }
    return _json(code, body)


def kubeconfig(port: int, namespace: str) -> str:
    """A kubeconfig whose current context is the stand-in, over plain HTTP on loopback."""
    return json.dumps(
        {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": "loopback", "cluster": {"server": f"http://127.0.0.1:{port}"}}],
            "users": [{"name": "tester", "user": {"token": "test-token"}}],
            "contexts": [
                {
                    "name": "loopback",
                    "context": {"cluster": "loopback", "user": "tester", "namespace": namespace},
                }
            ],
            "current-context": "loopback",
        }
    )
