"""The cluster of the current kubeconfig, through the Tekton Python client (`tekton-pipeline`,
the `cluster` extra). The only module that imports the client: it models v1beta1 only, reads the
API version from TEKTON_VERSION when imported, and is given plain dicts."""

from __future__ import annotations

import os
from typing import Any

import attrs

from modelcar_dsl.errors import MissingExtraError, ProjectError

PLURALS = {"Task": "tasks", "Pipeline": "pipelines", "PipelineRun": "pipelineruns"}


@attrs.frozen
class Cluster:
    """Tekton resources of one namespace."""

    client: Any
    namespace: str

    def get(self, kind: str, name: str) -> dict[str, Any] | None:
        """The resource, or None when the cluster has none by that name."""
        try:
            found: dict[str, Any] = self.client.get(name, PLURALS[kind], self.namespace)
        except RuntimeError as error:
            if "(404)" in str(error):
                return None
            raise ProjectError(f"cannot read {kind} {name!r}: {_reason(error)}") from None
        return found

    def create(self, document: dict[str, Any]) -> dict[str, Any]:
        try:
            created: dict[str, Any] = self.client.create(
                document, plural=PLURALS[document["kind"]], namespace=self.namespace
            )
        except RuntimeError as error:
            raise ProjectError(
                f"the cluster refused the {document['kind']}: {_reason(error)}"
            ) from None
        return created


def _reason(error: RuntimeError) -> str:
    text = " ".join(str(error).split())
    return text.split("Reason:", 1)[-1].strip()[:300] if "Reason:" in text else text[:300]


def connect(api: str, context: str | None, namespace: str | None) -> Cluster:
    """A Cluster for the kubeconfig's current (or the named) context; the namespace defaults
    to the context's."""
    os.environ["TEKTON_VERSION"] = api
    try:
        from kubernetes import config
        from tekton_pipeline.api.tekton_client import TektonClient
    except ImportError:
        raise MissingExtraError(
            "modelcar submit needs the Tekton client: pip install 'modelcar-dsl[cluster]'"
        ) from None
    try:
        client = TektonClient(context=context)
        contexts, active = config.list_kube_config_contexts()  # type: ignore[no-untyped-call]
    except (config.ConfigException, OSError) as error:
        raise ProjectError(f"cannot use the kubeconfig: {error}") from None
    selected = next((c for c in contexts if c["name"] == context), None) if context else active
    default = (selected or {}).get("context", {}).get("namespace") or "default"
    return Cluster(client, namespace or default)
