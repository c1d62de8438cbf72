"""The cluster of the current kubeconfig. The Tekton Python client (`tekton-pipeline`, the
`cluster` extra) loads the kubeconfig; requests go through its CustomObjectsApi, since the
client's own get and create take no timeout and a silent cluster would hang submit. The only
module that imports the client; it is given plain dicts."""

from __future__ import annotations

import json
import socket
from collections.abc import Callable
from typing import Any, cast

import attrs

from modelcar_dsl.diagnostics.errors import ClusterError, MissingExtraError
from modelcar_dsl.diagnostics.extras import how_to_install

GROUP = "tekton.dev"
PLURALS = {"Task": "tasks", "Pipeline": "pipelines", "PipelineRun": "pipelineruns"}


@attrs.frozen
class Cluster:
    """Tekton resources of one namespace; `server` is the kubeconfig's API server URL and
    `timeout` the seconds a request may take to connect, and then to answer."""

    objects: Any
    version: str
    namespace: str
    server: str
    timeout: float

    def get(self, kind: str, name: str) -> dict[str, Any] | None:
        """The resource, or None when the cluster has none by that name."""
        from kubernetes.client.exceptions import ApiException

        try:
            found: dict[str, Any] = self._request(
                self.objects.get_namespaced_custom_object,
                GROUP,
                self.version,
                self.namespace,
                PLURALS[kind],
                name,
            )
        except ApiException as error:
            if error.status == 404:
                return None
            raise ClusterError(f"cannot read {kind} {name!r}: {self._refusal(error)}") from None
        return found

    def create(self, document: dict[str, Any]) -> dict[str, Any]:
        from kubernetes.client.exceptions import ApiException

        try:
            created: dict[str, Any] = self._request(
                self.objects.create_namespaced_custom_object,
                GROUP,
                self.version,
                self.namespace,
                PLURALS[document["kind"]],
                document,
            )
        except ApiException as error:
            raise ClusterError(
                f"the cluster refused the {document['kind']}: {self._refusal(error)}"
            ) from None
        return created

    def _request(self, call: Callable[..., Any], *args: Any) -> Any:
        """`call(*args)` with the timeout; a cluster that cannot be reached is a ClusterError."""
        from kubernetes.client.exceptions import ApiException
        from urllib3.exceptions import HTTPError

        try:
            return call(*args, _request_timeout=(self.timeout, self.timeout))
        except HTTPError as error:
            raise ClusterError(self._unreachable(error)) from None
        except ApiException as error:
            if error.status == 0:  # the client's wrapping of a TLS failure: no HTTP answer
                raise ClusterError(self._unreachable(error)) from None
            raise

    def _unreachable(self, error: Exception) -> str:
        """One line: the server, what failed and what to check."""
        from urllib3.exceptions import MaxRetryError, NewConnectionError, SSLError
        from urllib3.exceptions import TimeoutError as NoAnswer

        cause: Any = error.reason if isinstance(error, MaxRetryError) else error
        detail = " ".join(str(cause).split())
        if isinstance(cause, SSLError) or "SSLError" in detail:
            reason = detail.split("] ", 1)[-1].split(" (_ssl", 1)[0]
            what = (
                f"TLS failed ({reason}); check the certificate-authority of this cluster in "
                "the kubeconfig (oc login --certificate-authority=...)"
            )
        elif isinstance(cause, NewConnectionError):  # before timeouts: it is one of them
            failure = cause.__cause__ or cause.__context__
            if isinstance(failure, socket.gaierror):
                what = (
                    "its host name does not resolve; check the server URL in the kubeconfig, "
                    "and your DNS or VPN"
                )
            else:
                failed = (
                    "connection refused"
                    if isinstance(failure, ConnectionRefusedError)
                    else f"cannot connect ({failure or detail})"
                )
                what = (
                    f"{failed}; check the server URL in the kubeconfig (oc whoami --show-server) "
                    "and that the cluster is up"
                )
        elif isinstance(cause, NoAnswer):
            what = (
                f"no answer within {self.timeout:g} s; check your network or VPN, or allow more "
                "time with --request-timeout"
            )
        else:
            what = f"{detail[:200]}; check the server URL in the kubeconfig and your network"
        return f"cannot reach the cluster at {self.server}: {what}"

    def _refusal(self, error: Any) -> str:
        """The API server's own message for a refused request, and what to do for the usual
        ones."""
        try:
            message = str(json.loads(error.body)["message"])
        except (TypeError, ValueError, KeyError):
            message = str(error.reason)
        message = " ".join(message.split())[:300]
        hint = {
            401: "; log in again (oc login)",
            403: f"; ask for access to namespace {self.namespace}",
        }.get(error.status, "")
        return f"{error.status} {message}{hint}"


def connect(api: str, context: str | None, namespace: str | None, timeout: float) -> Cluster:
    """A Cluster for the kubeconfig's current (or the named) context; the namespace defaults
    to the context's."""
    try:
        from kubernetes import config
        from tekton_pipeline.api.tekton_client import TektonClient
    except ImportError:
        raise MissingExtraError(
            "modelcar submit needs the Tekton client of the cluster extra; install it: "
            + how_to_install("cluster")
        ) from None
    try:
        client = TektonClient(context=context)
        # Any whether or not the extra is installed, so mypy judges this module alike in both.
        contexts, active = cast(Any, config).list_kube_config_contexts()
    except (config.ConfigException, OSError) as error:
        raise ClusterError(f"cannot use the kubeconfig: {error}") from None
    selected = next((c for c in contexts if c["name"] == context), None) if context else active
    default = (selected or {}).get("context", {}).get("namespace") or "default"
    objects = client.api_instance
    return Cluster(
        objects, api, namespace or default, objects.api_client.configuration.host, timeout
    )
