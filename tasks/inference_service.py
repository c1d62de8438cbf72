#!/usr/bin/env python3
"""Wait until the catalogue's InferenceService is Ready; report its URL and served model id.

Inputs (environment): INFERENCE_SERVICE, NAMESPACE, WAIT_SECONDS, POLL_SECONDS,
KUBERNETES_SERVICE_HOST/PORT (set in every pod), SERVICE_ACCOUNT_DIR (token, ca.crt and
service-ca.crt; default the pod's), INFERENCE_TOKEN (optional; else the ServiceAccount token),
WORKSPACE_CA_BUNDLE_PATH/_BOUND. Results: RESULT_URL_PATH, RESULT_MODEL_ID_PATH.
"""

from __future__ import annotations

import json
import os
import ssl
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

DEFAULT_SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount"


class NotReady(Exception):
    """A failure explained for the user; printed without a traceback."""


def account_file(name: str) -> Path:
    return Path(os.environ.get("SERVICE_ACCOUNT_DIR", DEFAULT_SERVICE_ACCOUNT_DIR)) / name


def get_json(url: str, token: str | None, context: ssl.SSLContext) -> Any:
    request = urllib.request.Request(url, headers={"Accept": "application/json"})
    if token:
        request.add_unredirected_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, context=context, timeout=30) as response:
        return json.loads(response.read())


def read_inference_service(name: str, namespace: str) -> dict[str, Any]:
    host = os.environ.get("KUBERNETES_SERVICE_HOST", "kubernetes.default.svc")
    port = os.environ.get("KUBERNETES_SERVICE_PORT", "443")
    context = ssl.create_default_context(cafile=str(account_file("ca.crt")))
    token = account_file("token").read_text().strip()
    url = (
        f"https://{host}:{port}/apis/serving.kserve.io/v1beta1/namespaces/{namespace}"
        f"/inferenceservices/{name}"
    )
    try:
        document: dict[str, Any] = get_json(url, token, context)
    except urllib.error.HTTPError as error:
        if error.code == 404:
            raise NotReady(
                f"there is no InferenceService {name} in {namespace}: deploy the catalogue's "
                "inference_service for this version before testing it"
            ) from None
        if error.code in (401, 403):
            raise NotReady(
                f"the pipeline's ServiceAccount may not read InferenceServices in {namespace} "
                f"({error.code}): grant it get on inferenceservices.serving.kserve.io"
            ) from None
        raise
    return document


def ready_url(service: dict[str, Any]) -> str | None:
    status = service.get("status") or {}
    ready = any(
        c.get("type") == "Ready" and c.get("status") == "True"
        for c in status.get("conditions") or []
    )
    if not ready:
        return None
    url = (status.get("address") or {}).get("url") or status.get("url")
    return str(url).rstrip("/") if url else None


def conditions_text(service: dict[str, Any]) -> str:
    conditions = (service.get("status") or {}).get("conditions") or []
    parts = [
        " ".join(str(c.get(key, "")) for key in ("reason", "message")).strip() for c in conditions
    ]
    described = [
        f"{c.get('type')}={c.get('status')} {part}".strip()
        for c, part in zip(conditions, parts, strict=True)
    ]
    return "; ".join(described) or "no conditions reported"


def endpoint_context() -> ssl.SSLContext:
    """System trust plus the ca-bundle workspace and the cluster's service CA."""
    context = ssl.create_default_context()
    bundle = os.environ.get("WORKSPACE_CA_BUNDLE_PATH", "")
    if bundle and os.environ.get("WORKSPACE_CA_BUNDLE_BOUND", "true") == "true":
        context.load_verify_locations(cafile=str(Path(bundle) / "ca-bundle.crt"))
    if account_file("service-ca.crt").is_file():
        context.load_verify_locations(cafile=str(account_file("service-ca.crt")))
    return context


def main() -> int:
    name = os.environ["INFERENCE_SERVICE"]
    namespace = os.environ.get("NAMESPACE") or account_file("namespace").read_text().strip()
    deadline = time.monotonic() + float(os.environ.get("WAIT_SECONDS") or 1800)
    poll = float(os.environ.get("POLL_SECONDS") or 10)
    try:
        while True:
            service = read_inference_service(name, namespace)
            url = ready_url(service)
            if url:
                break
            if time.monotonic() > deadline:
                raise NotReady(f"{name} did not become Ready: {conditions_text(service)}")
            print(f"waiting for {name}: {conditions_text(service)}")
            time.sleep(poll)
        token = os.environ.get("INFERENCE_TOKEN") or account_file("token").read_text().strip()
        try:
            models = get_json(f"{url}/v1/models", token, endpoint_context())
        except urllib.error.URLError as error:
            raise NotReady(
                f"{name} is Ready but {url}/v1/models failed: {error}. If its certificate is "
                "not trusted, bind a ca-bundle workspace with the CA that signed it."
            ) from None
        ids = [model["id"] for model in models.get("data", [])]
        if not ids:
            raise NotReady(f"{url}/v1/models lists no model")
    except NotReady as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"{name} is Ready at {url}, serving {', '.join(ids)}")
    Path(os.environ["RESULT_URL_PATH"]).write_text(url)
    Path(os.environ["RESULT_MODEL_ID_PATH"]).write_text(ids[0])
    return 0


if __name__ == "__main__":
    sys.exit(main())
