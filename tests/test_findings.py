"""Findings made relative to the object a validator checks land at the path its callers give."""

from __future__ import annotations

from modelcar_dsl.diagnostics import catalog
from modelcar_dsl.rules.findings import HERE, Finding, via_field, via_index


def test_a_finding_is_placed_by_the_fields_its_callers_prefix() -> None:
    finding = Finding(catalog.RETRIES, "negative", HERE.field("retries"))
    placed = via_field(via_index([finding], 2), "tasks")
    assert [found.path.under("spec") for found in placed] == ["spec.tasks[2].retries"]
    assert finding.via_field_index("finally", 0).path.under("") == "finally[0].retries"


def test_the_object_itself_is_its_callers_path() -> None:
    assert HERE.under("spec.tasks[0]") == "spec.tasks[0]"
    assert HERE.index(1).under("spec.params") == "spec.params[1]"
