"""Tekton's admission-webhook rules (and the cross-resource checks it leaves to run time) on
Tekton documents, whether the compiler wrote them or a person did."""

from modelcar_dsl.rules.document import SourceDocument
from modelcar_dsl.rules.validate import validate_documents

__all__ = ["SourceDocument", "validate_documents"]
