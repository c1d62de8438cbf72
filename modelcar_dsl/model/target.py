"""What the compiled YAML is for: API version, namespace and the run defaults of one cluster."""

from __future__ import annotations

from typing import Literal

import attrs

from modelcar_dsl.model.gates import Gates
from modelcar_dsl.model.image_mirrors import ImageMirrors

ApiVersion = Literal["v1", "v1beta1"]
API_VERSIONS: tuple[ApiVersion, ...] = ("v1", "v1beta1")


@attrs.frozen
class Target:
    """`api` picks the document shape; `fs_group` and `service_account` are run defaults;
    `insecure_registries` is the project's TLS policy; `gates` what the cluster accepts."""

    api: ApiVersion = "v1"
    namespace: str | None = None
    fs_group: int | None = None
    service_account: str | None = None
    insecure_registries: frozenset[str] = frozenset()
    """Hosts a task's TLS switch may turn verification off for (`[tool.modelcar]`)."""
    gates: Gates = attrs.field(factory=Gates)
    """The cluster's Tekton release and feature flags: the compiled documents must pass them."""
    image_mirrors: ImageMirrors = attrs.field(factory=ImageMirrors)
    """Where the cluster pulls the images steps name (`[tool.modelcar] image_mirrors`)."""
    labels: tuple[tuple[str, str], ...] = ()
    """Labels every document gets (`[tool.modelcar] labels`), under each document's own."""

    @property
    def api_version(self) -> str:
        return f"tekton.dev/{self.api}"
