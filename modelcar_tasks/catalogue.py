"""The catalogue record: one model version as the build registers it and the tests find it.

A team's catalogue is a module of `ModelVersion` values; the library's pipelines take one as
their `model` param, so registry names, versions and InferenceService names are written once.
The two Model Registry names are types of their own: register-model and publish-results accept
them from a record's field only (a compile error and a mypy error otherwise). `modelcar compile`
checks each record's download fields at its line: the source is pinned to a Hub commit (a
branch or tag only with a written `MovingRevision`), the include patterns take one naming
scheme of weights.
"""

from collections.abc import Sequence
from typing import Annotated, Literal

import attrs

from modelcar_dsl import SourceLocation, where_defined
from modelcar_dsl.diagnostics.errors import DefinitionError
from modelcar_dsl.diagnostics.source import caller_location
from modelcar_tasks.model_registry_access import ModelVersionName, RegisteredModelName
from modelcar_tasks.model_source import MovingRevision, OneWeightScheme, PinnedRevision


@attrs.frozen
class ModelVersion:
    """One model version as the build registers it and the tests find it."""

    registry_name: RegisteredModelName = attrs.field(converter=RegisteredModelName)
    version: ModelVersionName = attrs.field(converter=ModelVersionName)
    source: Annotated[str, PinnedRevision()]
    include: Annotated[tuple[str, ...], OneWeightScheme()]
    tokenizer: str
    inference_service: str
    quantization: Literal["none", "w4a16", "w8a8", "fp8"]
    moving_revision: MovingRevision | None = None
    defined_at: SourceLocation = attrs.field(
        factory=where_defined, eq=False, repr=False, kw_only=True
    )


COMMIT_NOT_LOOKED_UP = MovingRevision(
    "the commit sha has not been looked up yet: write the source as hf://<repo>@<sha> (the sha "
    "of the Hub's /api/models/<repo>/revision/main, or download-model's revision result) and "
    "remove this"
)
"""The visible placeholder for a record whose Hub commit nobody has looked up yet: the record
compiles, following the branch, until someone writes the sha in."""


def model_matrix(versions: Sequence[ModelVersion], **params: str) -> dict[str, dict[str, str]]:
    """One matrix `include` entry per model version, named `<registry-name>-<version>`: the
    matrixed call runs once per version, its params `params` (task param -> record field) taking
    that version's fields, e.g. `run_lm_eval.options(include=model_matrix(VERSIONS,
    tokenizer="tokenizer"))(...)`. Include entries, not matrix arrays, which would cross every
    field's values with every other's."""
    location = caller_location()
    fields = [field.name for field in attrs.fields(ModelVersion) if field.name != "defined_at"]
    for param, field in params.items():
        if field not in fields or field == "include":
            usable = [name for name in fields if name != "include"]
            raise DefinitionError(
                f"model_matrix: param {param!r} takes field {field!r}, which is not a single "
                f"value of ModelVersion; take one of {', '.join(usable)}",
                location,
            )
    return {
        f"{version.registry_name}-{version.version}": {
            param: str(getattr(version, field)) for param, field in params.items()
        }
        for version in versions
    }
