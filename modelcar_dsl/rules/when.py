"""`when` expressions of a pipeline task or a step (Tekton's when_validation.go): an input, a
known operator and values, unless CEL says it all."""

from __future__ import annotations

from typing import Any

from modelcar_dsl.diagnostics import catalog
from modelcar_dsl.rules.document import mappings, sequence
from modelcar_dsl.rules.findings import Finding, via_index

WHEN_OPERATORS = ("in", "notin")


def when_findings(whens: Any) -> list[Finding]:
    """The problems of a `when` list, each at its expression."""
    findings: list[Finding] = []
    for index, when in mappings(whens):
        if "cel" not in when:
            findings += via_index(_expression_findings(when), index)
    return findings


def _expression_findings(when: dict[str, Any]) -> list[Finding]:
    findings = []
    if not when.get("input") and when.get("input") != "":
        # WhenExpression.validate checks the operator and values only; "" is compared.
        message = "a when expression needs an input; without one Tekton compares ''"
        findings.append(Finding(catalog.WHEN, message, origin="modelcar").via_field("input"))
    if when.get("operator") not in WHEN_OPERATORS:
        message = f"operator {when.get('operator')!r} is not one of {', '.join(WHEN_OPERATORS)}"
        findings.append(Finding(catalog.WHEN, message).via_field("operator"))
    if not sequence(when.get("values")):
        message = "a when expression needs at least one value"
        findings.append(Finding(catalog.WHEN, message).via_field("values"))
    return findings
