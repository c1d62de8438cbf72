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

from modelcar_dsl.rules import catalog
from modelcar_dsl.rules.document import Report, mapping, mappings, sequence

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
_HOST_PARAM = re.compile(r"(?:^|[-_.])(host|hostname|registry|server|address|url|endpoint)$")
"""A param naming where a task connects: its name ends in one of these words."""
_URL_PARAM = re.compile(r"(?:^|[-_.])(url|endpoint)$")
_PARAM_VARIABLE = re.compile(r"\$\(params\.([A-Za-z0-9_.-]+)\)")
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


def env_bypass(name: str, value: str) -> str | None:
    """What an env var does when it switches verification off, or None."""
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
        name, value = str(env.get("name", "")), env.get("value", "")
        if isinstance(value, str) and (message := env_bypass(name, value)):
            report(f"{path}.env[{index}]", catalog.TLS_BYPASS, f"{message}; {FIX}")


def is_tls_switch_off(name: str, value: Any) -> bool:
    """A param that, by Tekton catalog convention, switches verification: `tls-verify`,
    `TLSVERIFY`, `srcTLSverify`, `sslVerify` set to off (false, 0, f, no), or `insecure` on."""
    normalised = re.sub(r"[-_.]", "", name).lower()
    text = str(value).strip().lower()
    if _SWITCH.fullmatch(normalised):
        return text in _OFF
    return bool(_INSECURE.fullmatch(normalised)) and text in _ON


def is_tls_switch(name: str) -> bool:
    normalised = re.sub(r"[-_.]", "", name).lower()
    return bool(_SWITCH.fullmatch(normalised) or _INSECURE.fullmatch(normalised))


def _host(value: Any) -> str | None:
    """The host a literal value names (`registry.lab:5000/org/x`, `https://host/...`)."""
    if not isinstance(value, str) or "$(" in value:
        return None
    host = re.sub(r"^[a-z]+://", "", value).split("/")[0]
    return host if re.fullmatch(r"[A-Za-z0-9.-]+(:[0-9]{1,5})?", host) else None


def _listed_hosts(given: dict[str, Any], declared: Any, insecure: frozenset[str]) -> bool:
    """True when every host param of a call (given, else its default) is a literal host the
    project lists as insecure, and there is at least one."""
    effective = {
        str(param.get("name")): param.get("default")
        for _, param in mappings(declared)
        if "default" in param
    }
    effective.update(given)
    hosts = [value for name, value in effective.items() if _HOST_PARAM.search(name.lower())]
    return bool(hosts) and all(_host(value) in insecure for value in hosts)


def check_tls_params(
    params: Any,
    path: str,
    owner: str,
    report: Report,
    declared: Any = None,
    switches: frozenset[str] = frozenset(),
) -> None:
    """Params given by a pipeline task or a run. A switch set to off, or a URL param given a
    plain `http://` URL, is allowed only when every host param of the same call (given, else
    its default among `declared`) names a host the project lists as insecure. `switches` are
    params of other names that feed a switch (a pipeline param passed to `tls-verify`)."""
    given = {str(p.get("name", "")): p["value"] for _, p in mappings(params) if "value" in p}
    allowed = _listed_hosts(given, declared, report.insecure_registries)
    for index, param in mappings(params):
        name, value = str(param.get("name", "")), param.get("value")
        if "value" not in param:
            continue
        off = is_tls_switch_off(name, value) or (
            name in switches and str(value).strip().lower() in _OFF
        )
        if off and not allowed:
            report(
                f"{path}[{index}].value",
                catalog.TLS_VERIFY_OFF,
                f"{owner} sets {name}={value!r}, turning TLS verification off, and its host "
                "params name no host the project lists as insecure; trust the registry's CA "
                "instead (a ca-bundle workspace), or list the host in [tool.modelcar] "
                "insecure_registries",
            )
        elif _plain_http(name, value) and _host(value) not in report.insecure_registries:
            report(
                f"{path}[{index}].value",
                catalog.TLS_VERIFY_OFF,
                f"{owner} sets {name}={value!r}: a plain http:// URL, so credentials and data "
                "cross the network without TLS; use https://, or list the host in "
                "[tool.modelcar] insecure_registries",
            )


def _plain_http(name: str, value: Any) -> bool:
    return (
        bool(_URL_PARAM.search(name.lower()))
        and isinstance(value, str)
        and value.lower().startswith("http://")
    )


def check_tls_defaults(
    declarations: Any, path: str, report: Report, switches: frozenset[str] = frozenset()
) -> None:
    """A declared switch whose default is off turns verification off wherever it is not set;
    likewise a URL param defaulting to plain http:// for a host the project does not list."""
    for index, param in mappings(declarations):
        name, default = str(param.get("name", "")), param.get("default")
        if "default" not in param:
            continue
        if is_tls_switch_off(name, default) or (
            name in switches and str(default).strip().lower() in _OFF
        ):
            report(
                f"{path}[{index}].default",
                catalog.TLS_VERIFY_OFF,
                f"param {name!r} defaults to {default!r}, turning TLS verification off "
                "wherever it is not set; default it to verifying, and trust the registry's CA "
                "(a ca-bundle workspace)",
            )
        elif _plain_http(name, default) and _host(default) not in report.insecure_registries:
            report(
                f"{path}[{index}].default",
                catalog.TLS_VERIFY_OFF,
                f"param {name!r} defaults to the plain http:// URL {default!r}; use https://, "
                "or list the host in [tool.modelcar] insecure_registries",
            )


def switch_feeders(pipeline: dict[str, Any]) -> frozenset[str]:
    """Pipeline params passed whole to a TLS switch of one of its tasks."""
    feeders = set()
    for _, call in mappings(pipeline.get("tasks")) + mappings(pipeline.get("finally")):
        for _, param in mappings(call.get("params")):
            match = _PARAM_VARIABLE.fullmatch(str(param.get("value", "")).strip())
            if match and is_tls_switch(str(param.get("name", ""))):
                feeders.add(match.group(1))
    return frozenset(feeders)


def check_pod_template_tls(spec: dict[str, Any], api: str, report: Report) -> None:
    """A run's pod template env reaches every step of every task."""
    if api == "v1":
        path = "spec.taskRunTemplate.podTemplate"
        template = mapping(mapping(spec.get("taskRunTemplate")).get("podTemplate"))
    else:
        path, template = "spec.podTemplate", mapping(spec.get("podTemplate"))
    check_container_tls({"env": template.get("env")}, path, report)
    for index, run_spec in mappings(spec.get("taskRunSpecs")):
        check_container_tls(
            {"env": mapping(run_spec.get("podTemplate")).get("env")},
            f"spec.taskRunSpecs[{index}].podTemplate",
            report,
        )
