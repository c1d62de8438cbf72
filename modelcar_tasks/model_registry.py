#!/usr/bin/env python3
"""Register a ModelCar image in the Model Registry, or attach test results to a registered version.

Talks to the registry's REST API v1alpha3. ACTION=register finds or creates the RegisteredModel,
the ModelVersion and the ModelArtifact (uri oci://...@sha256:...); ACTION=publish finds the
version by the catalogue's names and upserts one Metric artifact per number in RESULTS_DIR's
*.metrics.json files. Both are idempotent: a re-run finds what exists.

Inputs (environment): ACTION, REGISTRY_URL, MODEL_NAME, VERSION_NAME; for register IMAGE_REF,
INTERNAL_IMAGE_REF and SBOM_REF (host/repository@sha256:...), MODEL_REVISION, MODEL_FORMAT,
TASK_RUN_NAME, TASK_RUN_NAMESPACE;
for publish WORKSPACE_SOURCE_PATH and RESULTS_DIR (inside the workspace). Credentials:
MODEL_REGISTRY_TOKEN, or else the pod's ServiceAccount token; trust: the ca-bundle workspace and
the service CA. Results are written to the RESULT_*_PATH files.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from modelcar_tasks.lib.model_registry_api import (
    Registry,
    RegistryError,
    bearer_token,
    model_artifacts,
    names,
    quoted,
)
from modelcar_tasks.lib.step_inputs import StepError, confined_path, failed, regular_files, text
from modelcar_tasks.lib.trust import ssl_context, url_param

IMAGE_REF = r"[a-z0-9][a-z0-9.-]*(:[0-9]{1,5})?(/[a-z0-9]+([._-]+[a-z0-9]+)*)+@sha256:[a-f0-9]{64}"


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
        versions = registry.list_all(f"/registered_models/{quoted(model['id'])}/versions", {})
        names = ", ".join(sorted(repr(v["name"]) for v in versions)) or "none"
        raise RegistryError(
            f"RegisteredModel {model_name!r} has no version {version_name!r} (it has: {names}); "
            "modelcar-build-deploy registers it: run it for this catalogue entry first"
        )
    return version


def string_property(value: str) -> dict[str, str]:
    return {"metadataType": "MetadataStringValue", "string_value": value}


def register(registry: Registry) -> dict[str, str]:
    model_name, version_name = names()
    uri = "oci://" + text("IMAGE_REF", IMAGE_REF, "an image reference with its digest")
    internal = text("INTERNAL_IMAGE_REF", f"|{IMAGE_REF}", "an image reference with a digest", "")
    model_format = text("MODEL_FORMAT", r"[\w.-]{1,64}", "a model format name", "vLLM")
    provenance = {
        key: string_property(value)
        for key, value in (
            ("revision", text("MODEL_REVISION", r"|[\w./-]{1,255}", "a commit or revision", "")),
            ("sbom", text("SBOM_REF", f"|{IMAGE_REF}", "an SBOM reference with its digest", "")),
        )
        if value
    }
    model = registry.find_or_create(
        "/registered_model", {"name": model_name}, "/registered_models", {"name": model_name}
    )
    version = registry.find_or_create(
        "/model_version",
        {"name": version_name, "parentResourceId": model["id"]},
        "/model_versions",
        {
            "name": version_name,
            "registeredModelId": model["id"],
            "author": "modelcar-dsl",
            "customProperties": provenance,
        },
    )
    existing = model_artifacts(registry, version)
    artifact = next((a for a in existing if a.get("uri") == uri), None)
    if artifact is None and existing:
        raise RegistryError(
            f"{model_name}/{version_name} is registered with {existing[0].get('uri')}, not {uri}. "
            "A version names one image: give this build a new version name in the catalogue."
        )
    if artifact is None:
        properties = {}
        if internal:
            properties["internal_image"] = string_property(internal)
        artifact = registry.call(
            "POST",
            f"/model_versions/{quoted(version['id'])}/artifacts",
            body={
                "artifactType": "model-artifact",
                "name": version_name,
                "uri": uri,
                "modelFormatName": model_format,
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
    recorded = version.get("customProperties") or {}
    if any(recorded.get(key) != value for key, value in provenance.items()):
        registry.call(
            "PATCH",
            f"/model_versions/{quoted(version['id'])}",
            body={"customProperties": {**recorded, **provenance}},
        )
        print(f"Recorded {', '.join(sorted(provenance))} on {model_name}/{version_name}")
    return {
        "REGISTERED_MODEL_ID": model["id"],
        "MODEL_VERSION_ID": version["id"],
        "MODEL_ARTIFACT_ID": artifact["id"],
    }


def read_metrics(directory: Path) -> dict[str, float]:
    """The numbers of every *.metrics.json file: a flat {name: number} object each."""
    metrics: dict[str, float] = {}
    files = sorted(regular_files(directory.glob("*.metrics.json")))
    if not files:
        raise RegistryError(f"no *.metrics.json files in {directory}; did the test tasks run?")
    for path in files:
        try:
            for name, value in json.loads(path.read_text()).items():
                metrics[str(name)] = float(value)
        except (ValueError, TypeError, AttributeError) as error:
            raise RegistryError(f"{path} is not a flat {{name: number}} object: {error}") from None
    return metrics


def publish(registry: Registry) -> dict[str, str]:
    model_name, version_name = names()
    results_dir = confined_path("RESULTS_DIR", "results")
    version = find_version(registry, model_name, version_name)
    metrics = read_metrics(results_dir)
    artifacts_path = f"/model_versions/{quoted(version['id'])}/artifacts"
    existing = {
        artifact["name"]: artifact
        for artifact in registry.list_all(artifacts_path, {"artifactType": "metric"})
    }
    now = str(int(time.time() * 1000))
    for name, value in sorted(metrics.items()):
        body = {"artifactType": "metric", "value": value, "timestamp": now}
        if name in existing:
            registry.call("PATCH", f"/artifacts/{quoted(existing[name]['id'])}", body=body)
        else:
            registry.call("POST", artifacts_path, body={**body, "name": name})
    print(f"Published {len(metrics)} metrics to {model_name}/{version_name}")
    return {"MODEL_VERSION_ID": version["id"], "METRIC_COUNT": str(len(metrics))}


def main() -> int:
    actions = {"register": register, "publish": publish}
    try:
        action = text("ACTION", "register|publish", "register or publish", "")
        url = url_param("REGISTRY_URL")
        results = actions[action](Registry(url, bearer_token(), ssl_context()))
    except StepError as error:
        return failed(error)
    for name, value in results.items():
        Path(os.environ[f"RESULT_{name}_PATH"]).write_text(str(value))
    return 0


if __name__ == "__main__":
    sys.exit(main())
