"""The CAs a step trusts, on top of the system's: the ca-bundle workspace's ca-bundle.crt and the
cluster's service CA. Verification is never switched off here, and plain http:// is refused for
any host the project does not list as insecure (INSECURE_HOSTS, from [tool.modelcar]
insecure_registries, which the compiler writes into each Task)."""

import os
import re
import ssl
import urllib.request
from pathlib import Path
from typing import Any

from modelcar_tasks.lib.step_inputs import InputError, param_of, text, workspace_path

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


def insecure_hosts() -> set[str]:
    """The hosts the project lets a step reach without verified TLS."""
    return {host for host in os.environ.get("INSECURE_HOSTS", "").split(",") if host}


HTTP_URL_SHAPE = re.compile(
    r"(https?)://([A-Za-z0-9.-]+(?::[0-9]{1,5})?)(?:[/?][^\s]*)?", re.IGNORECASE
)


def secure_url(variable: str, url: str) -> str:
    """`url` when it is a plain https:// URL, or http:// to a host the project lists as
    insecure; anything else (another scheme, spaces urllib would strip) is refused."""
    match = HTTP_URL_SHAPE.fullmatch(url)
    if match is None:
        raise InputError(f"{param_of(variable)} {url!r} is not an http(s) URL")
    if match.group(1).lower() == "http" and match.group(2) not in insecure_hosts():
        raise InputError(
            f"{param_of(variable)} {url!r} is plain http://: credentials and data would "
            "cross the network without TLS. Use https://, or list the host in "
            "[tool.modelcar] insecure_registries"
        )
    return url


URL_PARAM = r"https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[\w.~/-]*)?"
"""A URL param's spelling: scheme, host, optional port and a plain path; no query or userinfo."""


def url_param(variable: str, default: str | None = None) -> str:
    """The variable's URL, spelled as `URL_PARAM` and allowed by `secure_url`."""
    return secure_url(variable, text(variable, URL_PARAM, "an http(s) URL", default))


class _CheckedRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect goes where the request itself could: https, or http to a listed host."""

    def redirect_request(
        self, req: urllib.request.Request, fp: Any, code: int, msg: str, headers: Any, newurl: str
    ) -> urllib.request.Request | None:
        secure_url("REDIRECT", newurl)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def open_url(request: urllib.request.Request, context: ssl.SSLContext, timeout: float) -> Any:
    """urlopen with this trust, following only redirects `secure_url` accepts."""
    opener = urllib.request.build_opener(
        urllib.request.HTTPSHandler(context=context), _CheckedRedirects()
    )
    return opener.open(request, timeout=timeout)
