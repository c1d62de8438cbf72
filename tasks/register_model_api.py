#!/usr/bin/env python3
"""Find or create RegisteredModel -> ModelVersion -> ModelArtifact(uri=oci://...) in the registry.

Inputs (environment): REGISTRY_URL, MODEL_NAME, VERSION_NAME, IMAGE_REF, MODEL_REGISTRY_TOKEN
(optional), WORKSPACE_CA_BUNDLE_PATH/_BOUND (optional), RESULT_*_PATH. A re-run finds what exists.
"""

from __future__ import annotations

import json
import os
import ssl
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

API = "/api/model_registry/v1alpha3"


class Registry:
    """The few Model Registry calls registration needs."""

    def __init__(self, base_url: str, token: str | None, context: ssl.SSLContext) -> None:
        self.base_url = base_url.rstrip("/") + API
        self.token = token
        self.context = context

    def call(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        query: dict[str, str] | None = None,
    ) -> tuple[int, Any]:
        url = self.base_url + path
        if query:
            url += "?" + urllib.parse.urlencode(query)
        request = urllib.request.Request(url, method=method)
        request.add_header("Accept", "application/json")
        if self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(
                request, data=data, context=self.context, timeout=60
            ) as response:
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            if error.code == 404:
                return 404, None
            detail = error.read().decode(errors="replace")
            raise SystemExit(f"{method} {url} failed: {error.code} {detail}") from None

    def find_or_create(
        self, find: str, query: dict[str, str], create: str, body: dict[str, Any]
    ) -> dict[str, Any]:
        status, found = self.call("GET", find, query=query)
        if status == 200 and found:
            return dict(found)
        _, created = self.call("POST", create, body=body)
        return dict(created)


def ssl_context() -> ssl.SSLContext:
    context = ssl.create_default_context()
    if os.environ.get("WORKSPACE_CA_BUNDLE_BOUND") == "true":
        bundle = Path(os.environ["WORKSPACE_CA_BUNDLE_PATH"]) / "ca-bundle.crt"
        context.load_verify_locations(cafile=str(bundle))
    return context


def main() -> int:
    registry = Registry(
        os.environ["REGISTRY_URL"], os.environ.get("MODEL_REGISTRY_TOKEN"), ssl_context()
    )
    model_name = os.environ["MODEL_NAME"]
    version_name = os.environ["VERSION_NAME"]
    uri = "oci://" + os.environ["IMAGE_REF"]
    model = registry.find_or_create(
        "/registered_model", {"name": model_name}, "/registered_models", {"name": model_name}
    )
    version = registry.find_or_create(
        "/model_version",
        {"name": version_name, "parentResourceId": model["id"]},
        "/model_versions",
        {"name": version_name, "registeredModelId": model["id"]},
    )
    _, artifacts = registry.call("GET", f"/model_versions/{version['id']}/artifacts")
    artifact = next((a for a in (artifacts or {}).get("items", []) if a.get("uri") == uri), None)
    if artifact is None:
        _, artifact = registry.call(
            "POST",
            f"/model_versions/{version['id']}/artifacts",
            body={"artifactType": "model-artifact", "name": version_name, "uri": uri},
        )
    print(f"Registered {model_name}/{version_name} -> {uri}")
    for name, value in (
        ("RESULT_REGISTERED_MODEL_ID_PATH", model["id"]),
        ("RESULT_MODEL_VERSION_ID_PATH", version["id"]),
        ("RESULT_MODEL_ARTIFACT_ID_PATH", artifact["id"]),
    ):
        Path(os.environ[name]).write_text(str(value))
    return 0


if __name__ == "__main__":
    sys.exit(main())
