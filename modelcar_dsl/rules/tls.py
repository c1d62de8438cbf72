"""TLS verification stays on: the ways scripts, commands and env switch it off, and the params
that do, unless the project names the host as insecure (`[tool.modelcar] insecure_registries`).

The team of the second status report ended with verification off in six places, one word each.
Trust is configured instead: a CA bundle (ConfigMap) mounted and used.
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Callable, Iterator
from typing import Any

from modelcar_dsl.diagnostics import catalog
from modelcar_dsl.rules.document import Report, mapping, mappings, sequence
from modelcar_dsl.rules.findings import HERE, Finding
from modelcar_dsl.rules.variables import param_reference

_FALSE = r"(?:false|f|0)\b"
"""How Go's ParseBool (skopeo, podman, buildah flags) and shells spell false."""
BYPASS_PATTERNS = (
    (re.compile(r"\bcurl\b.*?\s(-[A-Za-z]*k[A-Za-z]*|--insecure)(?![\w-])"), "curl -k"),
    (re.compile(r"--insecure(?![\w-])"), "--insecure"),
    (re.compile(r"--insecure-skip-tls-verify(?![\w-])(?!=false)"), "--insecure-skip-tls-verify"),
    (re.compile(rf"(?:--[\w-]*)?tls-?verify[= ]+[\"']?{_FALSE}", re.I), "--tls-verify=false"),
    (re.compile(r"--no-check-certificate\b"), "wget --no-check-certificate"),
    (re.compile(r"\bPYTHONHTTPSVERIFY\b[\"'\]]*\s*[=:,]\s*[\"']?0"), "PYTHONHTTPSVERIFY=0"),
    (
        re.compile(r"\bNODE_TLS_REJECT_UNAUTHORIZED\b[\"'\]]*\s*[=:,]\s*[\"']?0"),
        "NODE_TLS_REJECT_UNAUTHORIZED=0",
    ),
    (re.compile(r"\bGIT_SSL_NO_VERIFY\b"), "GIT_SSL_NO_VERIFY"),
    (re.compile(rf"\bsslVerify\s*[= ]\s*[\"']?{_FALSE}", re.I), "git http.sslVerify false"),
    (re.compile(r"\bverify\s*=\s*(?:False|0)\b"), "verify=False"),
    (re.compile(r"\b_create_unverified_context\b"), "ssl._create_unverified_context"),
    (re.compile(r"\bCERT_NONE\b"), "ssl.CERT_NONE"),
    (re.compile(r"\bverify_mode\s*=\s*0\b"), "verify_mode = 0"),
    (re.compile(r"\bcheck_hostname\s*=\s*(?:False|0)\b"), "check_hostname = False"),
)
"""What turns verification off, and the name a message gives it."""

_KEYWORDS = re.compile(r"curl|insecure|verif|cert|node_tls|git_ssl|check_hostname")
"""A word every pattern holds, in lower case: lines without one (nearly all) are passed at the
cost of one scan of the lowered text."""

BYPASS_ENV: dict[str, Callable[[str], bool]] = {
    "PYTHONHTTPSVERIFY": lambda value: value.strip() == "0",
    "NODE_TLS_REJECT_UNAUTHORIZED": lambda value: value.strip() == "0",
    "GIT_SSL_NO_VERIFY": lambda value: True,
    "CURL_CA_BUNDLE": lambda value: value == "",
}
"""Environment variables whose value turns verification off for the tools that read them (git
skips verification when GIT_SSL_NO_VERIFY is set at all, even to "false")."""

_SWITCH = re.compile(r"(src|dest|source|destination)?(tls|ssl)verify|verify(tls|ssl)")
_INSECURE = re.compile(r"insecure|insecureskiptlsverify|skiptlsverify")
_OFF = ("false", "f", "0", "no", "off")
_ON = ("true", "t", "1", "yes", "on")
_HOST_PARAM = re.compile(r"(host|hostname|registry|server|address|url|endpoint)$")
"""A param naming where a task connects: its name, lower case without separators, ends in one
of these words (`registry-host`, `registryHost`, `destImageURL`)."""
_URL_PARAM = re.compile(r"(url|endpoint)$")
FIX = (
    "trust the server's CA instead: mount a CA bundle (a ConfigMap workspace) and use it. A "
    "registry that truly has no valid certificate goes in [tool.modelcar] insecure_registries "
    "and is reached through a task's tls-verify param"
)


def script_bypasses(script: str) -> Iterator[tuple[int, str]]:
    """(line number, what it does) for every script line that switches verification off. A line
    continued with a backslash is read with its continuation; comment lines and the shebang are
    not read. One scan of the whole text finds the few lines holding a keyword."""
    lines = script.splitlines()
    lowered = "\n".join(script.lower().splitlines())
    starts = list(itertools.accumulate((len(line) + 1 for line in lowered.split("\n")), initial=0))
    numbers = sorted(
        {bisect.bisect_right(starts, hit.start()) for hit in _KEYWORDS.finditer(lowered)}
    )
    reported: set[int] = set()
    for number in numbers:
        first = number
        while first > 1 and lines[first - 2].endswith("\\"):
            first -= 1
        if first in reported or (first == 1 and lines[0].startswith("#!")):
            continue
        logical = lines[first - 1]
        following = first
        while logical.endswith("\\") and following < len(lines):
            logical = logical[:-1] + " " + lines[following]
            following += 1
        if not logical.lstrip().startswith("#") and (found := text_bypass(logical)):
            reported.add(first)
            yield first, found


def text_bypass(text: str) -> str | None:
    """What in `text` switches verification off (`curl -k: 'curl -k'`), or None."""
    if not _KEYWORDS.search(text.lower()):
        return None
    for pattern, name in BYPASS_PATTERNS:
        match = pattern.search(text)
        if match:
            return f"{name}: {match.group(0).strip()!r}"
    return None


def command_bypass(command: Any, args: Any) -> str | None:
    """What a container's command and args, read as one command line, switch off, or None."""
    words = [str(word) for word in [*sequence(command), *sequence(args)]]
    return text_bypass(" ".join(words)) if words else None


SOURCED_BYPASS_ENV = ("GIT_SSL_NO_VERIFY", "PYTHONHTTPSVERIFY", "NODE_TLS_REJECT_UNAUTHORIZED")
"""Variables with no use but switching verification off: set from a Secret or ConfigMap, the
value decides out of the project's sight."""


def sourced_env_bypass(name: str, source: str = "a Secret or ConfigMap") -> str | None:
    """What an env var whose value comes from elsewhere (a Secret or ConfigMap key, a param) may
    do, or None."""
    if name in SOURCED_BYPASS_ENV:
        return (
            f"env {name} is set from {source}, where one value turns TLS verification off for "
            "every tool that reads it"
        )
    return None


def env_bypass(name: str, value: str) -> str | None:
    """What an env var does when it switches verification off, or None."""
    if "$(" in value:
        return sourced_env_bypass(name, f"{value} (known only at run time)")
    off = BYPASS_ENV.get(name)
    if off is not None and off(value):
        return f"env {name}={value!r} turns TLS verification off for every tool that reads it"
    found = text_bypass(value)
    return f"env {name} turns TLS verification off ({found})" if found else None


def check_container_tls(container: dict[str, Any], path: str, report: Report) -> None:
    """A step, sidecar, stepTemplate or pod template: its script, command, args and env."""
    if catalog.TLS_BYPASS.id in report.ignore:
        return
    script = container.get("script")
    if isinstance(script, str):
        for number, found in script_bypasses(script):
            report(
                f"{path}.script",
                catalog.TLS_BYPASS,
                f"script line {number} turns TLS verification off ({found}); {FIX}",
            )
    if found_in_command := command_bypass(container.get("command"), container.get("args")):
        field = "command" if sequence(container.get("command")) else "args"
        report(
            f"{path}.{field}",
            catalog.TLS_BYPASS,
            f"the {field} turns TLS verification off ({found_in_command}); {FIX}",
        )
    for index, env in mappings(container.get("env")):
        name, value = str(env.get("name", "")), env.get("value")
        message = (
            env_bypass(name, value)
            if isinstance(value, str)
            else sourced_env_bypass(name)
            if "valueFrom" in env
            else None
        )
        if message:
            report(f"{path}.env[{index}]", catalog.TLS_BYPASS, f"{message}; {FIX}")


def _normalised(name: str) -> str:
    return re.sub(r"[-_.]", "", name).lower()


def is_tls_switch(name: str) -> bool:
    """A param that by Tekton catalog convention switches verification: `tls-verify`,
    `TLSVERIFY`, `srcTLSverify`, `sslVerify`, or `insecure`."""
    return bool(_SWITCH.fullmatch(_normalised(name)) or _INSECURE.fullmatch(_normalised(name)))


def is_tls_switch_off(name: str, value: Any) -> bool:
    """Such a switch set to off: false, 0, f, no or off (for `insecure`: true, 1, t, yes, on)."""
    text = str(value).strip().lower()
    if _SWITCH.fullmatch(_normalised(name)):
        return text in _OFF
    return bool(_INSECURE.fullmatch(_normalised(name))) and text in _ON


def url_host(value: Any) -> str | None:
    """The host a literal value names (`registry.lab:5000/org/x`, `https://host/...`), or None
    for anything else (a Tekton variable, a name)."""
    if not isinstance(value, str) or "$(" in value:
        return None
    host = re.sub(r"^[a-z]+://", "", value.strip()).split("/")[0]
    return host if re.fullmatch(r"[A-Za-z0-9.-]+(:[0-9]{1,5})?", host) else None


def _is_host_param(name: str) -> bool:
    return bool(_HOST_PARAM.search(_normalised(name)))


def _plain_http(name: str, value: Any) -> bool:
    return (
        bool(_URL_PARAM.search(_normalised(name)))
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
