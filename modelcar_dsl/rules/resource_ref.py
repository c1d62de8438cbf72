"""A reference to another resource (taskRef, pipelineRef, a step's StepAction `ref`), as
Tekton's validateRef checks all of them: a name on the cluster, or a resolver with its params.
The concise resolver syntax's feature flag is the feature gates' to judge."""

from __future__ import annotations

import re
from typing import Any, Protocol

from modelcar_dsl.diagnostics import catalog
from modelcar_dsl.formats.names import DNS_LABEL
from modelcar_dsl.rules.bindings import run_param_findings
from modelcar_dsl.rules.document import Report, mapping
from modelcar_dsl.rules.findings import HERE, Finding

URL_LIKE = re.compile(r"[\w-]+:/", re.ASCII)
"""A name with a scheme (`https://…`, `git://…`): the concise resolver syntax."""
QUALIFIED_NAME = re.compile(r"([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]")
MAX_QUALIFIED_NAME = 63
MAX_PREFIX = 253


class TaskResolver(Protocol):
    def __call__(self, ref: dict[str, Any], path: str, report: Report) -> dict[str, Any] | None:
        """The spec of the Task (Pipeline) a taskRef (pipelineRef) names, or None when it is
        not among the files or behind a resolver."""


def check_ref(ref: Any, path: str, report: Report, what: str) -> bool:
    """Check the ref at `path` (`what` names it in messages); True when it names a resource by
    a plain name, one the files given may hold."""
    body = mapping(ref)
    name = body.get("name") or ""
    resolver = body.get("resolver") or ""
    params = body.get("params")
    if not isinstance(name, str) or not isinstance(resolver, str):
        return False
    if resolver or params is not None:
        if params is not None:
            report.add(_resolver_params_findings(what, name, resolver), path)
            report.add(run_param_findings(params), f"{path}.params")
        if resolver and name and not URL_LIKE.search(name):
            message = (
                f"{what} {name!r} with a resolver must be a URL (concise resolver syntax); "
                "drop the name and say what to fetch in the resolver's params"
            )
            report(f"{path}.name", catalog.REF, message)
        return False
    findings = _name_findings(what, name)
    report.add(findings, path)
    return not findings


def _resolver_params_findings(what: str, name: str, resolver: str) -> list[Finding]:
    """Resolver params go to a resolver, which finds the resource without a name."""
    findings = []
    if name:
        message = (
            f"{what} has both a name and resolver params; a resolver finds the "
            "resource from its params, so drop the name"
        )
        findings.append(Finding(catalog.REF, message, HERE.field("name")))
    if not resolver:
        message = f"{what} has params but no resolver to pass them to"
        findings.append(Finding(catalog.MISSING_FIELD, message, HERE.field("resolver")))
    return findings


def _name_findings(what: str, name: str) -> list[Finding]:
    """A ref without a resolver names a resource on the cluster by a qualified name."""
    if not name:
        message = f"{what} needs a name or a resolver"
        return [Finding(catalog.MISSING_FIELD, message, HERE.field("name"))]
    if URL_LIKE.search(name):
        message = f"{what} {name!r} is a URL, which needs a resolver to fetch it"
        return [Finding(catalog.MISSING_FIELD, message, HERE.field("resolver"))]
    if problem := qualified_name_problem(name):
        return [Finding(catalog.REF, f"{what} {problem}", HERE.field("name"))]
    return []


def qualified_name_problem(name: str) -> str | None:
    """Why `name` is not a Kubernetes qualified name (`[prefix/]name`), or None."""
    prefix, slash, short = name.rpartition("/")
    if slash and not (
        len(prefix) <= MAX_PREFIX and all(DNS_LABEL.fullmatch(part) for part in prefix.split("."))
    ):
        return f"name {name!r} has an invalid prefix: use a DNS subdomain before the '/'"
    if len(short) > MAX_QUALIFIED_NAME:
        return f"name {name!r} is longer than {MAX_QUALIFIED_NAME} characters"
    if not QUALIFIED_NAME.fullmatch(short):
        return (
            f"name {name!r} is not valid: letters, digits, '-', '_' and '.', starting and "
            "ending with a letter or digit"
        )
    return None
