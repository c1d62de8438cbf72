"""A Model Registry stand-in on loopback that holds every exchange to the published contract.

The real Model Registry server cannot run here, so this answers the subset of
`contracts/model-registry-v1alpha3.openapi.yaml` the tasks use, from memory, and checks
every request and every response against that contract with openapi-core. A request the
contract does not allow is answered 400 and recorded in `violations`, so tests fail on it.
"""

from __future__ import annotations

import functools
import itertools
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import attrs
import yaml
from openapi_core import OpenAPI
from openapi_core.contrib.werkzeug import WerkzeugOpenAPIRequest, WerkzeugOpenAPIResponse
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from tests.conftest import REPO
from tests.tls import LoopbackAuthority, free_port
from tests.wsgi_server import serving

CONTRACT = REPO / "contracts" / "model-registry-v1alpha3.openapi.yaml"
API = "/api/model_registry/v1alpha3"
TOKEN = "registry-token-for-tests"

Handler = Callable[..., Response]


@attrs.define
class ModelRegistryStandIn:
    """In-memory registered models, versions and artifacts, and the exchanges seen."""

    base_url: str = ""
    page_size: int = 2
    models: dict[str, dict[str, Any]] = attrs.Factory(dict)
    versions: dict[str, dict[str, Any]] = attrs.Factory(dict)
    artifacts: dict[str, dict[str, Any]] = attrs.Factory(dict)
    version_artifacts: dict[str, list[str]] = attrs.Factory(dict)
    requests: list[tuple[str, str]] = attrs.Factory(list)
    violations: list[str] = attrs.Factory(list)
    _ids: Iterator[int] = attrs.field(factory=lambda: itertools.count(1))

    def new_id(self) -> str:
        return str(next(self._ids))

    def writes(self) -> list[tuple[str, str]]:
        return [(method, path) for method, path in self.requests if method != "GET"]


def _error(status: int, message: str) -> Response:
    return _json({"code": str(status), "message": message}, status)


def _json(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, content_type="application/json")


def _page(request: Request, items: list[dict[str, Any]], page_size: int) -> Response:
    start = int(request.args.get("nextPageToken") or 0)
    size = min(int(request.args.get("pageSize") or page_size), page_size)
    chunk = items[start : start + size]
    token = str(start + size) if start + size < len(items) else ""
    return _json({"items": chunk, "nextPageToken": token, "pageSize": size, "size": len(chunk)})


def _stamped(store: ModelRegistryStandIn, body: dict[str, Any]) -> dict[str, Any]:
    return {
        **body,
        "id": store.new_id(),
        "createTimeSinceEpoch": "1",
        "lastUpdateTimeSinceEpoch": "1",
    }


def _handlers(store: ModelRegistryStandIn) -> dict[str, Handler]:
    def find_model(request: Request) -> Response:
        for model in store.models.values():
            if model["name"] == request.args.get("name"):
                return _json(model)
        return _error(404, "registered model not found")

    def create_model(request: Request) -> Response:
        body = request.get_json()
        if any(m["name"] == body["name"] for m in store.models.values()):
            return _error(409, f"registered model {body['name']} exists")
        model = _stamped(store, {**body, "state": "LIVE"})
        store.models[model["id"]] = model
        return _json(model, 201)

    def model_versions(request: Request, model_id: str) -> Response:
        if model_id not in store.models:
            return _error(404, "registered model not found")
        versions = [v for v in store.versions.values() if v["registeredModelId"] == model_id]
        return _page(request, versions, store.page_size)

    def find_version(request: Request) -> Response:
        for version in store.versions.values():
            if version["name"] == request.args.get("name") and version[
                "registeredModelId"
            ] == request.args.get("parentResourceId"):
                return _json(version)
        return _error(404, "model version not found")

    def create_version(request: Request) -> Response:
        body = request.get_json()
        if body["registeredModelId"] not in store.models:
            return _error(404, "registered model not found")
        if any(
            v["name"] == body["name"] and v["registeredModelId"] == body["registeredModelId"]
            for v in store.versions.values()
        ):
            return _error(409, f"model version {body['name']} exists")
        version = _stamped(store, {**body, "state": "LIVE"})
        store.versions[version["id"]] = version
        store.version_artifacts[version["id"]] = []
        return _json(version, 201)

    def version_artifacts(request: Request, version_id: str) -> Response:
        if version_id not in store.versions:
            return _error(404, "model version not found")
        if request.method == "POST":
            body = request.get_json()
            artifact = _stamped(store, body)
            store.artifacts[artifact["id"]] = artifact
            store.version_artifacts[version_id].append(artifact["id"])
            return _json(artifact, 201)
        artifacts = [store.artifacts[i] for i in store.version_artifacts[version_id]]
        wanted = request.args.get("artifactType")
        return _page(
            request,
            [a for a in artifacts if not wanted or a["artifactType"] == wanted],
            store.page_size,
        )

    def update_version(request: Request, version_id: str) -> Response:
        if version_id not in store.versions:
            return _error(404, "model version not found")
        store.versions[version_id] = {**store.versions[version_id], **request.get_json()}
        return _json(store.versions[version_id])

    def update_artifact(request: Request, artifact_id: str) -> Response:
        if artifact_id not in store.artifacts:
            return _error(404, "artifact not found")
        store.artifacts[artifact_id] = {**store.artifacts[artifact_id], **request.get_json()}
        return _json(store.artifacts[artifact_id])

    return {
        "find_model": find_model,
        "create_model": create_model,
        "model_versions": model_versions,
        "find_version": find_version,
        "create_version": create_version,
        "version_artifacts": version_artifacts,
        "update_version": update_version,
        "update_artifact": update_artifact,
    }


ROUTES = Map(
    [
        Rule(f"{API}/registered_model", endpoint="find_model", methods=["GET"]),
        Rule(f"{API}/registered_models", endpoint="create_model", methods=["POST"]),
        Rule(f"{API}/registered_models/<model_id>/versions", endpoint="model_versions"),
        Rule(f"{API}/model_version", endpoint="find_version", methods=["GET"]),
        Rule(f"{API}/model_versions", endpoint="create_version", methods=["POST"]),
        Rule(
            f"{API}/model_versions/<version_id>/artifacts",
            endpoint="version_artifacts",
            methods=["GET", "POST"],
        ),
        Rule(f"{API}/model_versions/<version_id>", endpoint="update_version", methods=["PATCH"]),
        Rule(f"{API}/artifacts/<artifact_id>", endpoint="update_artifact", methods=["PATCH"]),
    ]
)


def _application(store: ModelRegistryStandIn, contract: OpenAPI) -> Callable[..., Any]:
    handlers = _handlers(store)

    @Request.application
    def application(request: Request) -> Response:
        store.requests.append((request.method, request.full_path.rstrip("?")))
        if request.headers.get("Authorization") != f"Bearer {TOKEN}":
            return _error(401, "bearer token required")
        checked = WerkzeugOpenAPIRequest(request)
        request_errors = [str(e) for e in contract.iter_request_errors(checked)]
        if request_errors:
            store.violations.append(f"{request.method} {request.full_path}: {request_errors}")
            return _error(400, "; ".join(request_errors))
        adapter = ROUTES.bind_to_environ(request.environ)
        endpoint, arguments = adapter.match()
        response = handlers[endpoint](request, **arguments)
        response_errors = [
            str(e)
            for e in contract.iter_response_errors(checked, WerkzeugOpenAPIResponse(response))
        ]
        if response_errors:
            store.violations.append(
                f"response to {request.method} {request.path}: {response_errors}"
            )
        return response

    return application


@functools.cache
def _contract_document() -> dict[str, Any]:
    document: dict[str, Any] = yaml.load(CONTRACT.read_text(), Loader=yaml.CSafeLoader)
    return document


def load_contract(base_url: str) -> OpenAPI:
    """The published contract, with its server list pointed at this test's loopback address."""
    return OpenAPI.from_dict({**_contract_document(), "servers": [{"url": base_url}]})


@contextmanager
def running_model_registry(authority: LoopbackAuthority) -> Iterator[ModelRegistryStandIn]:
    port = free_port()
    base_url = f"https://localhost:{port}"
    store = ModelRegistryStandIn(base_url=base_url)
    with serving(_application(store, load_contract(base_url)), port, authority):
        yield store
