"""TLS policy on params: a switch that turns verification off, or a URL param given a plain
http:// URL, only for hosts the project lists as insecure (`[tool.modelcar]
insecure_registries`), in a Task's defaults and in what a pipeline or run passes its tasks."""

from __future__ import annotations

import re
from typing import Any

from modelcar_dsl.diagnostics import catalog
from modelcar_dsl.rules.document import Report, mapping, mappings
from modelcar_dsl.rules.findings import HERE, Finding
from modelcar_dsl.rules.tls import folded_name, is_tls_switch, is_tls_switch_off, url_host
from modelcar_dsl.rules.variables import param_reference

_HOST_PARAM = re.compile(r"(host|hostname|registry|server|address|url|endpoint)$")
"""A param naming where a task connects: its name, lower case without separators, ends in one
of these words (`registry-host`, `registryHost`, `destImageURL`)."""
_URL_PARAM = re.compile(r"(url|endpoint)$")


def _is_host_param(name: str) -> bool:
    return bool(_HOST_PARAM.search(folded_name(name)))


def _plain_http(name: str, value: Any) -> bool:
    return (
        bool(_URL_PARAM.search(folded_name(name)))
        and isinstance(value, str)
        and value.strip().lower().startswith("http://")
    )


def _resolved(value: Any, values: dict[str, Any]) -> tuple[Any, str | None]:
    """A param value with a whole `$(params.x)` (or one key of an object param) looked up in
    the pipeline's `values`: (the literal, or None when unknown; the pipeline param it came
    through, or None)."""
    if not isinstance(value, str):
        return value, None
    reference = param_reference(value)
    if reference is None:
        return (None if "$(" in value else value), None
    name, key = reference
    found = values.get(name)
    if key is not None:
        found = found.get(key) if isinstance(found, dict) else None
    return (found if isinstance(found, str) and "$(" not in found else None), name


def check_calls_tls(
    calls: list[tuple[str, dict[str, Any], dict[str, Any] | None]],
    values: dict[str, Any],
    report: Report,
    run_params: dict[str, int] | None = None,
) -> None:
    """Each pipeline task `(path, body, its Task's spec)`, its params resolved through the
    pipeline's `values` (its defaults; for a run, the run's values over them). A TLS switch
    that is off, or a URL param given a plain http:// URL, is allowed only for hosts the project
    lists as insecure: the switch when every host param of the same task (given, else its
    default) is a listed host; the URL when its own host is. For a run (`run_params`: its params
    by position), only what the run's own values decide is reported, at the run's param."""
    insecure = report.context.insecure_registries
    for path, body, spec in calls:
        given, effective = _effective_params(body, spec, values)
        hosts = [value for name, (value, _) in effective.items() if _is_host_param(name)]
        allowed = bool(hosts) and all(url_host(host) in insecure for host in hosts)
        task = str(body.get("name", ""))
        for name, (value, via) in sorted(effective.items()):
            if value is None:
                if run_params is None and via is None and is_tls_switch(name):
                    report.add(_unknown_switch_findings(task, name, given), path)
                continue
            problem = _tls_problem(name, value, allowed, insecure)
            if problem is None:
                continue
            if run_params is None and name in given:
                index, raw = given[name]
                shown = f"{raw!r}" + (f" ({value!r}, param {via!r})" if via else "")
                message = f"pipeline task {task!r} sets {name}={shown}, {problem}"
                report.add([_param_value_finding(index, message)], path)
            elif run_params is not None and via in run_params:
                message = (
                    f"the run's {via}={value!r} reaches {name} of pipeline task {task!r}, {problem}"
                )
                report.add([_param_value_finding(run_params[via], message)], "spec")


def _effective_params(
    body: dict[str, Any], spec: dict[str, Any] | None, values: dict[str, Any]
) -> tuple[dict[str, tuple[int, Any]], dict[str, tuple[Any, str | None]]]:
    """The params a pipeline task gives (name -> position, value), and every param of the
    call resolved through the pipeline's `values` (name -> literal or None, pipeline param)."""
    declared = {
        str(param.get("name")): param.get("default")
        for _, param in mappings(mapping(spec).get("params"))
    }
    given = {
        str(param.get("name")): (index, param.get("value"))
        for index, param in mappings(body.get("params"))
        if "value" in param
    }
    effective = {
        name: _resolved(given[name][1] if name in given else declared.get(name), values)
        for name in declared.keys() | given.keys()
    }
    return given, effective


def _param_value_finding(index: int, message: str) -> Finding:
    return Finding(
        catalog.TLS_VERIFY_OFF, message, HERE.field("params").index(index).field("value")
    )


def _unknown_switch_findings(
    task: str, name: str, given: dict[str, tuple[int, Any]]
) -> list[Finding]:
    """A switch set to a variable Tekton fills only at run time."""
    index, raw = given.get(name, (0, None))
    if not (isinstance(raw, str) and "$(" in raw):
        return []
    message = (
        f"pipeline task {task!r} sets {name}={raw!r}, known only when the run "
        "reaches it, so TLS verification could be off for any host; pass a "
        "literal, or a pipeline param (held to the policy by each run)"
    )
    return [_param_value_finding(index, message)]


def _tls_problem(name: str, value: Any, allowed: bool, insecure: frozenset[str]) -> str | None:
    """What a resolved param value does to TLS, unless the project allows it."""
    if is_tls_switch(name) and is_tls_switch_off(name, value) and not allowed:
        return (
            "turning TLS verification off, and its host params name no host the project "
            "lists as insecure; trust the registry's CA instead (a ca-bundle workspace), "
            "or list the host in [tool.modelcar] insecure_registries"
        )
    if _plain_http(name, value) and url_host(value) not in insecure:
        return (
            "a plain http:// URL, so credentials and data cross the network without "
            "TLS; use https://, or list the host in [tool.modelcar] insecure_registries"
        )
    return None


def check_tls_defaults(declarations: Any, path: str, report: Report) -> None:
    """A Task's switch whose default is off turns verification off wherever it is not set;
    likewise a URL param defaulting to plain http:// for a host the project does not list."""
    for index, param in mappings(declarations):
        name, default = str(param.get("name", "")), param.get("default")
        if "default" not in param:
            continue
        if is_tls_switch_off(name, default):
            report(
                f"{path}[{index}].default",
                catalog.TLS_VERIFY_OFF,
                f"param {name!r} defaults to {default!r}, turning TLS verification off "
                "wherever it is not set; default it to verifying, and trust the registry's CA "
                "(a ca-bundle workspace)",
            )
        elif (
            _plain_http(name, default)
            and url_host(default) not in report.context.insecure_registries
        ):
            report(
                f"{path}[{index}].default",
                catalog.TLS_VERIFY_OFF,
                f"param {name!r} defaults to the plain http:// URL {default!r}; use https://, "
                "or list the host in [tool.modelcar] insecure_registries",
            )
