"""The CAs a step trusts, on top of the system's: the ca-bundle workspace's ca-bundle.crt and the
cluster's service CA. Verification is never switched off here."""

import os
import ssl
from pathlib import Path

from tasks.lib.step_inputs import InputError, workspace_path

DEFAULT_SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount"


def service_account_file(name: str) -> Path:
    """A file of the pod's ServiceAccount mount (token, ca.crt, service-ca.crt, namespace)."""
    return Path(os.environ.get("SERVICE_ACCOUNT_DIR", DEFAULT_SERVICE_ACCOUNT_DIR)) / name


def ssl_context() -> ssl.SSLContext:
    """System trust plus the ca-bundle workspace and the cluster's service CA, never less."""
    context = ssl.create_default_context()
    bundle = workspace_path("CA_BUNDLE")
    if bundle is not None:
        if not (bundle / "ca-bundle.crt").is_file():
            raise InputError(
                "the ca-bundle workspace has no ca-bundle.crt; bind a ConfigMap with that key"
            )
        context.load_verify_locations(cafile=str(bundle / "ca-bundle.crt"))
    if service_account_file("service-ca.crt").is_file():
        context.load_verify_locations(cafile=str(service_account_file("service-ca.crt")))
    return context
