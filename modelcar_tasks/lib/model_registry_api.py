"""The Model Registry's REST API v1alpha3 as the steps call it: plain errors instead of
tracebacks, the catalogue's names checked, and the lookups register-model and check-release
share, so the check before the pushes sees a version exactly as the registration after them."""

import json
import os
import ssl
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from modelcar_tasks.lib.step_inputs import StepError, text
from modelcar_tasks.lib.trust import open_url, service_account_file

API = "/api/model_registry/v1alpha3"
MAX_PAGES = 1000
NAME = r"[^\x00-\x1f\x7f]{1,256}"


class RegistryError(StepError):
    """A failure explained for the user; printed without a traceback."""


class NotFound(Exception):
    """The registry answered 404."""


def bearer_token() -> str | None:
    token = os.environ.get("MODEL_REGISTRY_TOKEN")
    if token:
        return token.strip()
    token_file = service_account_file("token")
    return token_file.read_text().strip() if token_file.is_file() else None


def quoted(identifier: Any) -> str:
    """An id the registry returned, as one path segment of a later URL."""
    return urllib.parse.quote(str(identifier), safe="")


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
        if body is not None:
            request.data = json.dumps(body).encode()
            request.add_header("Content-Type", "application/json")
        try:
            with open_url(request, self.context, 60) as response:
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
        """Every item of a paged list, at most MAX_PAGES pages: a server that never stops
        paging fails the step instead of holding it until its timeout."""
        items: list[dict[str, Any]] = []
        token = ""
        for _ in range(MAX_PAGES):
            paging = {"pageSize": "100", **({"nextPageToken": token} if token else {})}
            page = self.call("GET", path, query={**query, **paging})
            items.extend(page.get("items") or [])
            token = page.get("nextPageToken") or ""
            if not token or not page.get("items"):
                return items
        raise RegistryError(f"{self.base_url + API + path} lists more than {MAX_PAGES} pages")


def names() -> tuple[str, str]:
    """The catalogue's RegisteredModel and ModelVersion names."""
    return (
        text("MODEL_NAME", NAME, "a model name (1 to 256 characters, no control characters)"),
        text("VERSION_NAME", NAME, "a version name (1 to 256 characters, no control characters)"),
    )


def model_artifacts(registry: Registry, version: dict[str, Any]) -> list[dict[str, Any]]:
    """The version's ModelArtifacts: what register-model recorded for it (the image's uri)."""
    return registry.list_all(
        f"/model_versions/{quoted(version['id'])}/artifacts", {"artifactType": "model-artifact"}
    )
