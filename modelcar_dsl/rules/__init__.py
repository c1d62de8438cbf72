"""Tekton's admission-webhook rules (and the cross-resource checks it leaves to run time) on
Tekton documents, whether the compiler wrote them or a person did.

The rules are split by the object they check, as Tekton's `*_validation.go` files are:
`validate.py` runs them on each document; `metadata.py`; `task.py` (a Task spec),
`container.py` (its steps and sidecars), `step_results.py`, `task_variables.py`; `pipeline.py`
(a Pipeline spec), `pipeline_task.py` (one pipeline task), `custom_task.py`, `when.py`,
`pipeline_results.py`, `pipeline_order.py` with `pipeline_graph.py` and `workspace_order.py`,
`pipeline_variables.py`; `run.py` (a PipelineRun) with `run_timeouts.py`, `taskrun.py`,
`stepaction.py`; shared by them: `param_specs.py` and `declarations.py` (what specs declare),
`calls.py` and `bindings.py` (what callers pass), `resource_ref.py`, `reference_patterns.py`,
`tls.py` and `tls_params.py`, `feature_gates.py` with `gated_features.py`, `tekton_versions.py`.
Validators return `findings.Finding`s relative to the object they check, which callers place
with `Report.add` (Tekton's `ViaField`), and read the document's kind, apiVersion and the
cluster's gates from one `context.ValidationContext`."""

from modelcar_dsl.rules.document import SourceDocument
from modelcar_dsl.rules.validate import validate_documents

__all__ = ["SourceDocument", "validate_documents"]
