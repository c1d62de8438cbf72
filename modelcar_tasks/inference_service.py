#!/usr/bin/env python3
"""Wait until the catalogue's InferenceService is Ready; report its URL and served model id.

Inputs (environment): INFERENCE_SERVICE and NAMESPACE (Kubernetes names), WAIT_SECONDS,
POLL_SECONDS, KUBERNETES_SERVICE_HOST/PORT (set in every pod), SERVICE_ACCOUNT_DIR (token, ca.crt
and service-ca.crt; default the pod's), INFERENCE_TOKEN (optional; else the ServiceAccount
token), WORKSPACE_CA_BUNDLE_PATH/_BOUND. Results: RESULT_URL_PATH, RESULT_MODEL_ID_PATH.
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

from modelcar_tasks.lib.step_inputs import StepError, count, failed, text
from modelcar_tasks.lib.trust import open_url, secure_url, service_account_file, ssl_context

KUBERNETES_NAME = r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?"
HOST = r"[A-Za-z0-9.:\[\]-]{1,255}"


class NotReady(StepError):
    """A failure explained for the user; printed without a traceback."""


def get_json(url: str, token: str | None, context: ssl.SSLContext) -> Any:
    request = urllib.request.Request(url, headers={"Accept": "application/json"})
    if token:
        request.add_unredirected_header("Authorization", f"Bearer {token}")
    with open_url(request, context, 30) as response:
        return json.loads(response.read())


def read_inference_service(name: str, namespace: str) -> dict[str, Any]:
    host = text("KUBERNETES_SERVICE_HOST", HOST, "a host", "kubernetes.default.svc")
    port = count("KUBERNETES_SERVICE_PORT", 1, 65535, 443)
    context = ssl.create_default_context(cafile=str(service_account_file("ca.crt")))
    token = read_token()
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


def read_token() -> str:
    return service_account_file("token").read_text().strip()


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


def main() -> int:
    try:
        name = text("INFERENCE_SERVICE", KUBERNETES_NAME, "a Kubernetes name (DNS-1123 label)")
        if not os.environ.get("NAMESPACE"):
            os.environ["NAMESPACE"] = service_account_file("namespace").read_text().strip()
        namespace = text("NAMESPACE", KUBERNETES_NAME, "a namespace name (DNS-1123 label)")
        deadline = time.monotonic() + count("WAIT_SECONDS", 0, 86400, 1800)
        poll = count("POLL_SECONDS", 0, 600, 10)
        while True:
            service = read_inference_service(name, namespace)
            url = ready_url(service)
            if url:
                break
            if time.monotonic() > deadline:
                raise NotReady(f"{name} did not become Ready: {conditions_text(service)}")
            print(f"waiting for {name}: {conditions_text(service)}")
            time.sleep(poll)
        secure_url("URL", url)
        token = os.environ.get("INFERENCE_TOKEN") or read_token()
        try:
            models = get_json(f"{url}/v1/models", token, ssl_context())
        except urllib.error.URLError as error:
            raise NotReady(
                f"{name} is Ready but {url}/v1/models failed: {error}. If its certificate is "
                "not trusted, bind a ca-bundle workspace with the CA that signed it."
            ) from None
        ids = [model["id"] for model in models.get("data", [])]
        if not ids:
            raise NotReady(f"{url}/v1/models lists no model")
    except StepError as error:
        return failed(error)
    print(f"{name} is Ready at {url}, serving {', '.join(ids)}")
    Path(os.environ["RESULT_URL_PATH"]).write_text(url)
    Path(os.environ["RESULT_MODEL_ID_PATH"]).write_text(ids[0])
    return 0


if __name__ == "__main__":
    sys.exit(main())
