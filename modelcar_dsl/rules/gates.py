"""What the target cluster's Tekton accepts: its version, `enable-api-fields` and its other
feature flags. Tekton's webhook reads these from its `feature-flags` ConfigMap; validation of
YAML written for one cluster must read them too, or it judges another cluster's YAML."""

from __future__ import annotations

import re
from typing import Literal

import attrs

ApiFields = Literal["alpha", "beta", "stable"]
API_FIELDS: tuple[ApiFields, ...] = ("alpha", "beta", "stable")
Version = tuple[int, int]
NEWEST_TEKTON: Version = (1, 15)
"""The newest Tekton release whose admission rules this version of modelcar-dsl follows."""
NEWEST_VERSION = "1.15"
_VERSION = re.compile(r"v?(\d{1,3})\.(\d{1,3})(?:\.\d{1,4})?")


def parse_version(text: str) -> Version:
    """`1.15`, `v0.50.3` -> (1, 15), (0, 50); ValueError for anything else."""
    match = _VERSION.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"{text!r} is not a Tekton version like 1.15 or v0.50.3")
    return int(match.group(1)), int(match.group(2))


def flag_value(value: str | bool) -> str:
    """A feature flag's value as its ConfigMap holds it: TOML's `true` is "true"."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def parse_flag(text: str) -> tuple[str, str]:
    """`NAME=VALUE` -> (NAME, VALUE); ValueError without the `=`."""
    name, equals, value = text.partition("=")
    if not equals or not name.strip():
        raise ValueError(f"{text!r} is not NAME=VALUE, e.g. enable-param-enum=true")
    return name.strip(), value.strip()


def parse_api_fields(text: str) -> ApiFields:
    if text not in API_FIELDS:
        raise ValueError(f"enable-api-fields {text!r} is not one of {', '.join(API_FIELDS)}")
    return text


@attrs.frozen
class Gates:
    """One cluster's Tekton: `api_fields` (the `enable-api-fields` flag), the other feature
    flags as set in its ConfigMap (name -> value, unset ones take Tekton's defaults), and its
    version, for what was added or removed by release."""

    api_fields: ApiFields = "beta"
    flags: tuple[tuple[str, str], ...] = ()
    tekton_version: Version = NEWEST_TEKTON

    def flag(self, name: str) -> str | None:
        """The value a feature flag is set to, or None when the cluster leaves its default."""
        if name == "enable-api-fields":
            return self.api_fields
        return dict(self.flags).get(name)

    def allows(self, stability: ApiFields) -> bool:
        """Fields of `stability` are accepted under this `enable-api-fields`."""
        return API_FIELDS.index(stability) >= API_FIELDS.index(self.api_fields)

    def before(self, version: Version) -> bool:
        """The cluster runs a Tekton older than `version`."""
        return self.tekton_version < version

    @property
    def shown_version(self) -> str:
        return f"{self.tekton_version[0]}.{self.tekton_version[1]}"
