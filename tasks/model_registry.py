#!/usr/bin/env python3
"""Register a ModelCar image in the Model Registry, or attach test results to a registered version.

Talks to the registry's REST API v1alpha3. ACTION=register finds or creates the RegisteredModel,
the ModelVersion and the ModelArtifact (uri oci://...@sha256:...); ACTION=publish finds the
version by the catalogue's names and upserts one Metric artifact per number in RESULTS_DIR's
*.metrics.json files. Both are idempotent: a re-run finds what exists.

Inputs (environment): ACTION, REGISTRY_URL, MODEL_NAME, VERSION_NAME; for register IMAGE_REF,
INTERNAL_IMAGE_REF, MODEL_FORMAT, TASK_RUN_NAME, TASK_RUN_NAMESPACE; for publish
WORKSPACE_SOURCE_PATH and RESULTS_DIR. Credentials: MODEL_REGISTRY_TOKEN, or else the pod's
ServiceAccount token; trust: WORKSPACE_CA_BUNDLE_PATH/ca-bundle.crt and the service CA. Results
are written to the RESULT_*_PATH files.
"""

from __future__ import annotations

import json
import os
import ssl
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

API = "/api/model_registry/v1alpha3"
DEFAULT_SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount"


class RegistryError(Exception):
    """A failure explained for the user; printed without a traceback."""


class NotFound(Exception):
    """The registry answered 404."""


def workspace_path(name: str) -> Path | None:
    """The mount path of an optional workspace, or None when the run left it unbound."""
    path = os.environ.get(f"WORKSPACE_{name}_PATH", "")
    if not path or os.environ.get(f"WORKSPACE_{name}_BOUND", "true") != "true":
        return None
    return Path(path)


def ssl_context() -> ssl.SSLContext:
    """System trust plus the ca-bundle workspace and the cluster's service CA, never less."""
    context = ssl.create_default_context()
    bundle = workspace_path("CA_BUNDLE")
    service_ca = Path(os.environ.get("SERVICE_ACCOUNT_DIR", DEFAULT_SERVICE_ACCOUNT_DIR))
    for cafile in (bundle / "ca-bundle.crt" if bundle else None, service_ca / "service-ca.crt"):
        if cafile is not None and cafile.is_file():
            context.load_verify_locations(cafile=str(cafile))
    return context


def bearer_token() -> str | None:
    token = os.environ.get("MODEL_REGISTRY_TOKEN")
    if token:
        return token.strip()
    account = Path(os.environ.get("SERVICE_ACCOUNT_DIR", DEFAULT_SERVICE_ACCOUNT_DIR))
    token_file = account / "token"
    return token_file.read_text().strip() if token_file.is_file() else None


class Registry:
    """The Model Registry calls these tasks make, with plain errors instead of tracebacks."""

    def __init__(self, base_url: str, token: str | None, context: ssl.SSLContext) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.context = context

    def call(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        query: dict[str, str] | None = None,
    ) -> Any:
        url = self.base_url + API + path
        if query:
            url += "?" + urllib.parse.urlencode(query)
        request = urllib.request.Request(url, method=method)
        request.add_header("Accept", "application/json")
        if self.token:
            request.add_unredirected_header("Authorization", f"Bearer {self.token}")
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(
                request, data=data, context=self.context, timeout=60
            ) as response:
                return json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            if error.code == 404:
                raise NotFound(url) from None
            detail = error.read().decode(errors="replace").strip()
            hint = ""
            if error.code in (401, 403):
                hint = (
                    "\nThe registry refused these credentials: set the model-registry-token "
                    "Secret, or grant the pipeline's ServiceAccount access to the registry."
                )
            raise RegistryError(f"{method} {url} failed: {error.code} {detail}{hint}") from None
        except urllib.error.URLError as error:
            raise RegistryError(
                f"cannot reach the Model Registry at {self.base_url}: {error.reason}. If its "
                "certificate is not trusted, bind a ca-bundle workspace with the CA that signed it."
            ) from None

    def find(self, path: str, query: dict[str, str]) -> dict[str, Any] | None:
        try:
            found = self.call("GET", path, query=query)
        except NotFound:
            return None
        return dict(found) if found else None

    def find_or_create(
        self, find: str, query: dict[str, str], create: str, body: dict[str, Any]
    ) -> dict[str, Any]:
        return self.find(find, query) or dict(self.call("POST", create, body=body))

    def list_all(self, path: str, query: dict[str, str]) -> list[dict[str, Any]]:
        """Every item of a paged list."""
        items: list[dict[str, Any]] = []
        token = ""
        while True:
            paging = {"pageSize": "100", **({"nextPageToken": token} if token else {})}
            page = self.call("GET", path, query={**query, **paging})
            items.extend(page.get("items") or [])
            token = page.get("nextPageToken") or ""
            if not token or not page.get("items"):
                return items


def find_version(registry: Registry, model_name: str, version_name: str) -> dict[str, Any]:
    """The ModelVersion the catalogue names, or an error that lists what the registry has."""
    model = registry.find("/registered_model", {"name": model_name})
    if model is None:
        raise RegistryError(
            f"the Model Registry has no RegisteredModel named {model_name!r}; "
            "modelcar-build-deploy registers it: run it for this catalogue entry first"
        )
    version = registry.find(
        "/model_version", {"name": version_name, "parentResourceId": model["id"]}
    )
    if version is None:
        versions = registry.list_all(f"/registered_models/{model['id']}/versions", {})
        names = ", ".join(sorted(repr(v["name"]) for v in versions)) or "none"
        raise RegistryError(
            f"RegisteredModel {model_name!r} has no version {version_name!r} (it has: {names}); "
            "modelcar-build-deploy registers it: run it for this catalogue entry first"
        )
    return version


def string_property(value: str) -> dict[str, str]:
    return {"metadataType": "MetadataStringValue", "string_value": value}


def register(registry: Registry) -> dict[str, str]:
    model_name, version_name = os.environ["MODEL_NAME"], os.environ["VERSION_NAME"]
    uri = "oci://" + os.environ["IMAGE_REF"]
    model = registry.find_or_create(
        "/registered_model", {"name": model_name}, "/registered_models", {"name": model_name}
    )
    version = registry.find_or_create(
        "/model_version",
        {"name": version_name, "parentResourceId": model["id"]},
        "/model_versions",
        {"name": version_name, "registeredModelId": model["id"], "author": "modelcar-dsl"},
    )
    existing = registry.list_all(
        f"/model_versions/{version['id']}/artifacts", {"artifactType": "model-artifact"}
    )
    artifact = next((a for a in existing if a.get("uri") == uri), None)
    if artifact is None and existing:
        raise RegistryError(
            f"{model_name}/{version_name} is registered with {existing[0].get('uri')}, not {uri}. "
            "A version names one image: give this build a new version name in the catalogue."
        )
    if artifact is None:
        properties = {}
        if os.environ.get("INTERNAL_IMAGE_REF"):
            properties["internal_image"] = string_property(os.environ["INTERNAL_IMAGE_REF"])
        artifact = registry.call(
            "POST",
            f"/model_versions/{version['id']}/artifacts",
            body={
                "artifactType": "model-artifact",
                "name": version_name,
                "uri": uri,
                "modelFormatName": os.environ.get("MODEL_FORMAT") or "vLLM",
                "modelSourceKind": "tekton",
                "modelSourceClass": "taskrun",
                "modelSourceGroup": os.environ.get("TASK_RUN_NAMESPACE", ""),
                "modelSourceId": os.environ.get("TASK_RUN_NAME", ""),
                "customProperties": properties,
            },
        )
        print(f"Registered {model_name}/{version_name} -> {uri}")
    else:
        print(f"{model_name}/{version_name} -> {uri} was registered already")
    return {
        "REGISTERED_MODEL_ID": model["id"],
        "MODEL_VERSION_ID": version["id"],
        "MODEL_ARTIFACT_ID": artifact["id"],
    }


def read_metrics(directory: Path) -> dict[str, float]:
    """The numbers of every *.metrics.json file: a flat {name: number} object each."""
    metrics: dict[str, float] = {}
    files = sorted(directory.glob("*.metrics.json"))
    if not files:
        raise RegistryError(f"no *.metrics.json files in {directory}; did the test tasks run?")
    for path in files:
        for name, value in json.loads(path.read_text()).items():
            metrics[name] = float(value)
    return metrics


def publish(registry: Registry) -> dict[str, str]:
    model_name, version_name = os.environ["MODEL_NAME"], os.environ["VERSION_NAME"]
    version = find_version(registry, model_name, version_name)
    results_dir = Path(os.environ["WORKSPACE_SOURCE_PATH"]) / os.environ["RESULTS_DIR"]
    metrics = read_metrics(results_dir)
    artifacts_path = f"/model_versions/{version['id']}/artifacts"
    existing = {
        artifact["name"]: artifact
        for artifact in registry.list_all(artifacts_path, {"artifactType": "metric"})
    }
    now = str(int(time.time() * 1000))
    for name, value in sorted(metrics.items()):
        body = {"artifactType": "metric", "value": value, "timestamp": now}
        if name in existing:
            registry.call("PATCH", f"/artifacts/{existing[name]['id']}", body=body)
        else:
            registry.call("POST", artifacts_path, body={**body, "name": name})
    print(f"Published {len(metrics)} metrics to {model_name}/{version_name}")
    return {"MODEL_VERSION_ID": version["id"], "METRIC_COUNT": str(len(metrics))}


def main() -> int:
    action = os.environ.get("ACTION", "")
    actions = {"register": register, "publish": publish}
    if action not in actions:
        print(f"error: ACTION must be register or publish, not {action!r}", file=sys.stderr)
        return 2
    registry = Registry(os.environ["REGISTRY_URL"], bearer_token(), ssl_context())
    try:
        results = actions[action](registry)
    except RegistryError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    for name, value in results.items():
        Path(os.environ[f"RESULT_{name}_PATH"]).write_text(str(value))
    return 0


if __name__ == "__main__":
    sys.exit(main())
