"""The fields of Tekton's API types, read from the generated description of its API, for the
rules that name them instead of keeping tables of their own."""

from __future__ import annotations

from modelcar_dsl.rules.api_fields import PIPELINE_TYPES, tekton_api


def struct_fields(api: str, struct: str) -> tuple[str, ...]:
    """The JSON field names of Tekton's type `struct` (`PipelineSpec`) in API version `api`."""
    return tuple(tekton_api().structs[f"{PIPELINE_TYPES}{api}.{struct}"].fields)
