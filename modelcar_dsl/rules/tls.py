"""TLS verification stays on: the ways scripts, commands and env switch it off, and how a param
is recognised as a switch or a host (the policy on params is tls_params.py's).

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
from modelcar_dsl.rules.document import Report, mappings, sequence

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


def folded_name(name: str) -> str:
    """A param name lower case without separators, as the switch and host patterns read it."""
    return re.sub(r"[-_.]", "", name).lower()


def is_tls_switch(name: str) -> bool:
    """A param that by Tekton catalog convention switches verification: `tls-verify`,
    `TLSVERIFY`, `srcTLSverify`, `sslVerify`, or `insecure`."""
    return bool(_SWITCH.fullmatch(folded_name(name)) or _INSECURE.fullmatch(folded_name(name)))


def is_tls_switch_off(name: str, value: Any) -> bool:
    """Such a switch set to off: false, 0, f, no or off (for `insecure`: true, 1, t, yes, on)."""
    text = str(value).strip().lower()
    if _SWITCH.fullmatch(folded_name(name)):
        return text in _OFF
    return bool(_INSECURE.fullmatch(folded_name(name))) and text in _ON


def url_host(value: Any) -> str | None:
    """The host a literal value names (`registry.lab:5000/org/x`, `https://host/...`), or None
    for anything else (a Tekton variable, a name)."""
    if not isinstance(value, str) or "$(" in value:
        return None
    host = re.sub(r"^[a-z]+://", "", value.strip()).split("/")[0]
    return host if re.fullmatch(r"[A-Za-z0-9.-]+(:[0-9]{1,5})?", host) else None
