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
from modelcar_dsl.rules.document import Report, mappings, sequence

BYPASS_PATTERNS = (
    (re.compile(r"\bcurl\b[^\n]*?\s(-[A-Za-z]*k[A-Za-z]*|--insecure)(?![\w-])"), "curl -k"),
    (re.compile(r"--insecure(?![\w-])"), "--insecure"),
    (re.compile(r"--insecure-skip-tls-verify(?![\w-])(?!=false)"), "--insecure-skip-tls-verify"),
    (re.compile(r"(?:--[\w-]*)?tls-?verify[= ]+[\"']?false", re.IGNORECASE), "--tls-verify=false"),
    (re.compile(r"--no-check-certificate\b"), "wget --no-check-certificate"),
    (re.compile(r"\bPYTHONHTTPSVERIFY\s*=\s*[\"']?0"), "PYTHONHTTPSVERIFY=0"),
    (re.compile(r"\bNODE_TLS_REJECT_UNAUTHORIZED\s*=\s*[\"']?0"), "NODE_TLS_REJECT_UNAUTHORIZED=0"),
    (re.compile(r"\bGIT_SSL_NO_VERIFY\b"), "GIT_SSL_NO_VERIFY"),
    (re.compile(r"\bsslVerify\s*[= ]\s*[\"']?false", re.IGNORECASE), "git http.sslVerify false"),
    (re.compile(r"\bverify\s*=\s*False\b"), "verify=False"),
    (re.compile(r"\b_create_unverified_context\b"), "ssl._create_unverified_context"),
    (re.compile(r"\bCERT_NONE\b"), "ssl.CERT_NONE"),
    (re.compile(r"\bcheck_hostname\s*=\s*False\b"), "check_hostname = False"),
)
"""What turns verification off, and the name a message gives it."""

BYPASS_ENV: dict[str, Callable[[str], bool]] = {
    "PYTHONHTTPSVERIFY": lambda value: value.strip() == "0",
    "NODE_TLS_REJECT_UNAUTHORIZED": lambda value: value.strip() == "0",
    "GIT_SSL_NO_VERIFY": lambda value: value.strip().lower() not in ("", "0", "false", "no"),
    "CURL_CA_BUNDLE": lambda value: value == "",
}
"""Environment variables whose value turns verification off for the tools that read them."""

_SWITCH = re.compile(r"(src|dest|source|destination)?(tls|ssl)verify|verify(tls|ssl)")
_INSECURE = re.compile(r"insecure|insecureskiptlsverify|skiptlsverify")
_HOST = re.compile(r"^[A-Za-z0-9.-]+(:[0-9]{1,5})?$")


def script_bypasses(script: str) -> Iterator[tuple[int, str]]:
    """(line number, what it does) for every script line that switches verification off;
    comment lines and the shebang are not read. One scan of the whole text finds the few lines
    holding a keyword; only those are matched against the patterns."""
    lines = script.splitlines()
    lowered = "\n".join(script.lower().splitlines())
    starts = list(itertools.accumulate((len(line) + 1 for line in lowered.split("\n")), initial=0))
    numbers = sorted(
        {bisect.bisect_right(starts, hit.start()) for hit in _KEYWORDS.finditer(lowered)}
    )
    for number in numbers:
        line = lines[number - 1] if number <= len(lines) else ""
        if number > 1 and not line.lstrip().startswith("#") and (found := text_bypass(line)):
            yield number, found


_KEYWORDS = re.compile(
    r"curl|insecure|verify|certificate|node_tls|git_ssl|unverified|cert_none|check_hostname"
)
"""A word every pattern holds, in lower case: lines without one (nearly all) are passed at the
cost of one scan of the lowered text."""


def text_bypass(text: str) -> str | None:
    """What in `text` switches verification off (`curl -k: 'curl -k'`), or None."""
    if not _KEYWORDS.search(text.lower()):
        return None
    for pattern, name in BYPASS_PATTERNS:
        match = pattern.search(text)
        if match:
            return f"{name}: {match.group(0).strip()!r}"
    return None


def env_bypass(name: str, value: str) -> str | None:
    """What an env var does when it switches verification off, or None."""
    off = BYPASS_ENV.get(name)
    if off is not None and off(value):
        return f"env {name}={value!r} turns TLS verification off for every tool that reads it"
    found = text_bypass(value)
    return f"env {name} turns TLS verification off ({found})" if found else None


BYPASS_FIX = (
    "trust the server's CA instead: mount a CA bundle (a ConfigMap workspace) and use it. A "
    "registry that truly has no valid certificate goes in [tool.modelcar] insecure_registries "
    "and is reached through a task's tls-verify param"
)


def check_container_tls(container: dict[str, Any], path: str, report: Report) -> None:
    """A step, sidecar or stepTemplate: its script, command, args and env."""
    if catalog.TLS_BYPASS.id in report.ignore:
        return
    script = container.get("script")
    if isinstance(script, str):
        for number, found in script_bypasses(script):
            report(
                f"{path}.script",
                catalog.TLS_BYPASS,
                f"script line {number} turns TLS verification off ({found}); {BYPASS_FIX}",
            )
    for field in ("command", "args"):
        for index, item in enumerate(sequence(container.get(field))):
            if isinstance(item, str) and (in_item := text_bypass(item)):
                report(
                    f"{path}.{field}[{index}]",
                    catalog.TLS_BYPASS,
                    f"{field} turns TLS verification off ({in_item}); {BYPASS_FIX}",
                )
    for index, env in mappings(container.get("env")):
        name, value = str(env.get("name", "")), env.get("value")
        if isinstance(value, str) and (message := env_bypass(name, value)):
            report(f"{path}.env[{index}]", catalog.TLS_BYPASS, f"{message}; {BYPASS_FIX}")


def is_tls_switch_off(name: str, value: Any) -> bool:
    """A param that, by Tekton catalog convention, switches verification: `tls-verify`,
    `TLSVERIFY`, `srcTLSverify`, `sslVerify` set to false, or `insecure` set to true."""
    normalised = re.sub(r"[-_.]", "", name).lower()
    text = str(value).strip().lower()
    if _SWITCH.fullmatch(normalised):
        return text == "false"
    return bool(_INSECURE.fullmatch(normalised)) and text == "true"


def check_tls_params(
    params: Any, path: str, owner: str, report: Report, declared: Any = None
) -> None:
    """Params given by a pipeline task or a run: a switch set to off is allowed only when
    another of the same params, or a default of the `declared` params they are given for,
    names a host the project lists as insecure."""
    given = [(index, param) for index, param in mappings(params) if "value" in param]
    values = [param["value"] for _, param in given]
    values += [param.get("default") for _, param in mappings(declared)]
    hosts = {
        value.split("/")[0]
        for value in values
        if isinstance(value, str) and _HOST.match(value.split("/")[0])
    }
    allowed = hosts & report.insecure_registries
    for index, param in given:
        name = str(param.get("name", ""))
        if is_tls_switch_off(name, param["value"]) and not allowed:
            report(
                f"{path}[{index}].value",
                catalog.TLS_VERIFY_OFF,
                f"{owner} sets {name}={param['value']!r}, turning TLS verification off, and "
                "names no host the project lists as insecure; trust the registry's CA instead "
                "(a ca-bundle workspace), or list the host in [tool.modelcar] "
                "insecure_registries",
            )


def check_tls_defaults(declarations: Any, path: str, report: Report) -> None:
    """A declared switch whose default is off turns verification off wherever it is not set."""
    for index, param in mappings(declarations):
        name = str(param.get("name", ""))
        if "default" in param and is_tls_switch_off(name, param["default"]):
            report(
                f"{path}[{index}].default",
                catalog.TLS_VERIFY_OFF,
                f"param {name!r} defaults to {param['default']!r}, turning TLS verification off "
                "wherever it is not set; default it to verifying, and trust the registry's CA "
                "(a ca-bundle workspace)",
            )
