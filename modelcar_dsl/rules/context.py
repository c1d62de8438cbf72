"""What every rule may read besides the object it checks, in one value passed down instead of
loose flags: the target cluster's Tekton and the document's kind and apiVersion."""

from __future__ import annotations

import attrs

from modelcar_dsl.model.gates import Gates


@attrs.frozen
class ValidationContext:
    """The target cluster's gates (Tekton version, `enable-api-fields`, feature flags), the
    kind and apiVersion of the document under check, and the project's insecure registries."""

    gates: Gates = attrs.field(factory=Gates)
    kind: str = ""
    api_version: str = ""
    insecure_registries: frozenset[str] = frozenset()
    """Hosts the project lets a TLS switch turn verification off for (`[tool.modelcar]`)."""

    @property
    def is_v1(self) -> bool:
        return self.api_version == "tekton.dev/v1"

    @property
    def is_v1beta1(self) -> bool:
        return self.api_version == "tekton.dev/v1beta1"

    @property
    def api(self) -> str:
        """The apiVersion without its group: `v1`, `v1beta1`."""
        return self.api_version.removeprefix("tekton.dev/")
