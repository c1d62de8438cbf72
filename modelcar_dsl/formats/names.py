"""Tekton's name rules, one pattern per kind of name, as the admission webhook checks them."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable

DNS_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
PARAM_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_.-]*")
OBJECT_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_-]*")
RESULT_NAME = re.compile(r"([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]")
RESULT_NAME_RULE = "letters, digits, '-', '_' and '.', starting and ending with a letter or digit"
ENV_NAME = re.compile(r"[-._a-zA-Z][-._a-zA-Z0-9]*")
HOST_PATTERN = r"[A-Za-z0-9](?:[A-Za-z0-9.-]{0,252}[A-Za-z0-9])?(?::[0-9]{1,5})?"
"""A registry's address, host or host:port, as insecure_registries and image mirrors name it."""
HOST = re.compile(HOST_PATTERN)


def dns_label_problem(name: str, what: str) -> str | None:
    """Why `name` is not a valid DNS-1123 label, or None."""
    if len(name) > 63:
        return f"{what} {name!r} is {len(name)} characters; Tekton allows at most 63"
    if not DNS_LABEL.fullmatch(name):
        return (
            f"{what} {name!r} is not a DNS-1123 label: use lowercase letters, digits and '-', "
            "starting and ending with a letter or digit"
        )
    return None


def dns_subdomain_problem(name: str, what: str) -> str | None:
    """Why `name` is not a DNS-1123 subdomain of at most 63 characters (Tekton's rule for
    resource names: Kubernetes' subdomain, cut to a label's length), or None."""
    if len(name) > 63:
        return f"{what} {name!r} is {len(name)} characters; Tekton allows at most 63"
    if not all(DNS_LABEL.fullmatch(part) for part in name.split(".")):
        return (
            f"{what} {name!r} is not a DNS-1123 subdomain: use lowercase letters, digits, '-' "
            "and '.', starting and ending with a letter or digit"
        )
    return None


def object_name_problem(name: object, what: str) -> str | None:
    """Why `name` is not a Kubernetes object name (a Secret, ConfigMap, claim, PriorityClass: a
    DNS-1123 subdomain of at most 253 characters), or None."""
    if (
        not isinstance(name, str)
        or not 0 < len(name) <= 253
        or not all(DNS_LABEL.fullmatch(part) for part in name.split("."))
    ):
        return (
            f"{what} {name!r} is not a Kubernetes object name (lowercase letters, digits, '-' "
            "and '.', starting and ending with a letter or digit)"
        )
    return None


def pattern_problem(name: str, pattern: re.Pattern[str], what: str, rule: str) -> str | None:
    if pattern.fullmatch(name):
        return None
    return f"{what} {name!r} is not valid: {rule}"


def did_you_mean(name: str, known: Iterable[str]) -> str:
    """' (did you mean x?)' when a known name is close, else a list of the known names."""
    candidates = sorted(known)
    close = difflib.get_close_matches(name, candidates, n=1)
    if close:
        return f"; did you mean {close[0]!r}?"
    if candidates:
        return f"; known: {', '.join(candidates)}"
    return ""
