"""Kubernetes' rules for label and annotation keys and label values (apimachinery's
IsQualifiedName and IsValidLabelValue), which the API server applies to every object."""

from __future__ import annotations

import re

from modelcar_dsl.formats.names import DNS_LABEL

LABEL_NAME = re.compile(r"([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]")
MAX_NAME = 63
MAX_PREFIX = 253
NAME_RULE = (
    "at most 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit"
)


def label_key_problem(key: object, what: str = "label key") -> str | None:
    """Why `key` is not a qualified name (`[prefix/]name`, the prefix a DNS-1123 subdomain),
    or None; the same rule holds for annotation keys, node selector keys and toleration keys."""
    if not isinstance(key, str) or not key:
        return f"{what} {key!r} must be a non-empty string"
    prefix, slash, name = key.rpartition("/")
    if slash and not prefix:
        return f"{what} {key!r} has an empty prefix before '/'"
    if slash and (
        len(prefix) > MAX_PREFIX or not all(DNS_LABEL.fullmatch(p) for p in prefix.split("."))
    ):
        return (
            f"{what} {key!r}: its prefix {prefix!r} is not a DNS-1123 subdomain (lowercase "
            "letters, digits, '-' and '.', at most 253 characters)"
        )
    if len(name) > MAX_NAME or not LABEL_NAME.fullmatch(name):
        return f"{what} {key!r}: the name part {name!r} must be {NAME_RULE}"
    return None


def label_value_problem(value: object, what: str = "label value") -> str | None:
    """Why `value` is not a label value (empty, or a name as in a key), or None."""
    if not isinstance(value, str):
        return f"{what} {value!r} must be a string (quote numbers and booleans)"
    if value and (len(value) > MAX_NAME or not LABEL_NAME.fullmatch(value)):
        return f"{what} {value!r} must be empty or {NAME_RULE}"
    return None
