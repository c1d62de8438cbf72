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


STEP_ACTIONS_STABLE: Version = (1, 0)
"""From 1.0 enable-step-actions is a no-op (on); from 0.53 to 0.70 it defaulted to false."""
BETA_BY_DEFAULT: Version = (0, 49)
"""The release whose `enable-api-fields` defaults to beta; older ones default to stable."""


def default_api_fields(version: Version) -> ApiFields:
    """Tekton's default `enable-api-fields` in release `version`."""
    return "beta" if version >= BETA_BY_DEFAULT else "stable"


@attrs.frozen
class FeatureFlag:
    """A key of Tekton's `feature-flags` ConfigMap: its default, the values Tekton parses
    (`None`: a boolean, as Go's strconv.ParseBool reads it; empty: any text) and, for a
    per-feature flag, the stability of the feature it turns on."""

    default: str
    values: tuple[str, ...] | None = None
    stability: ApiFields | None = None


_TRUE = ("1", "t", "T", "TRUE", "true", "True")
_FALSE = ("0", "f", "F", "FALSE", "false", "False")
_ANY: tuple[str, ...] = ()
FEATURE_FLAGS: dict[str, FeatureFlag] = {
    "disable-creds-init": FeatureFlag("false"),
    "running-in-environment-with-injected-sidecars": FeatureFlag("true"),
    "await-sidecar-readiness": FeatureFlag("true"),
    "require-git-ssh-secret-known-hosts": FeatureFlag("false"),
    "send-cloudevents-for-runs": FeatureFlag("true"),
    "enforce-nonfalsifiability": FeatureFlag("none", ("none", "spire")),
    "trusted-resources-verification-no-match-policy": FeatureFlag(
        "ignore", ("ignore", "warn", "fail")
    ),
    "enable-provenance-in-status": FeatureFlag("true"),
    "results-from": FeatureFlag("termination-message", ("termination-message", "sidecar-logs")),
    "max-result-size": FeatureFlag("4096", _ANY),
    "set-security-context": FeatureFlag("false"),
    "set-security-context-read-only-root-filesystem": FeatureFlag("false"),
    "coschedule": FeatureFlag(
        "workspaces", ("workspaces", "pipelineruns", "isolate-pipelinerun", "disabled")
    ),
    "keep-pod-on-cancel": FeatureFlag("false", stability="beta"),
    "enable-cel-in-whenexpression": FeatureFlag("false", stability="alpha"),
    "enable-param-enum": FeatureFlag("false", stability="alpha"),
    "enable-artifacts": FeatureFlag("false", stability="alpha"),
    "disable-inline-spec": FeatureFlag("", _ANY),
    "enable-concise-resolver-syntax": FeatureFlag("false", stability="alpha"),
    "enable-kubernetes-sidecar": FeatureFlag("false"),
    "enable-wait-exponential-backoff": FeatureFlag("false"),
    "enable-termination-message-compression": FeatureFlag("false", stability="alpha"),
    "enable-step-actions": FeatureFlag("false", stability="beta"),
    "enable-tekton-oci-bundles": FeatureFlag("false", stability="alpha"),
}
"""Tekton v1.15's feature flags (pkg/apis/config/feature_flags.go), `enable-api-fields` aside:
`enable-step-actions` is a no-op from 1.0, when StepActions became stable (its default is
that of 0.53 to 0.70); `enable-tekton-oci-bundles` only matters to releases before 0.61, which
had the `bundle` field."""


def check_flag(name: str, value: str) -> None:
    """ValueError unless Tekton knows flag `name` and can parse `value` for it."""
    if name == "enable-api-fields":
        raise ValueError(
            "enable-api-fields is set with --api-fields (api_fields in [tool.modelcar]), "
            "not as a feature flag"
        )
    flag = FEATURE_FLAGS.get(name)
    if flag is None:
        raise ValueError(
            f"Tekton has no feature flag {name!r}; its flags: {', '.join(sorted(FEATURE_FLAGS))}"
        )
    if flag.values is None and value not in _TRUE + _FALSE:
        raise ValueError(f"feature flag {name} takes true or false, not {value!r}")
    if flag.values and value.lower() not in flag.values:
        raise ValueError(f"feature flag {name} is one of {', '.join(flag.values)}, not {value!r}")
    if name == "max-result-size" and not (value.isdigit() and int(value) < 1572864):
        raise ValueError(
            f"feature flag max-result-size is a byte count below 1572864, not {value!r}"
        )


def _check_flags(_: object, __: object, flags: tuple[tuple[str, str], ...]) -> None:
    for name, value in flags:
        check_flag(name, value)


DEFAULT_MAX_MATRIX_COMBINATIONS = 256
"""Tekton's default for `default-max-matrix-combinations-count` (its `config-defaults`)."""


@attrs.frozen
class Gates:
    """One cluster's Tekton: `api_fields` (the `enable-api-fields` flag), the other feature
    flags as set in its ConfigMap (name -> value, unset ones take Tekton's defaults), and its
    version, for what was added or removed by release."""

    api_fields: ApiFields | None = None
    """None: the release's default (`default_api_fields`)."""
    flags: tuple[tuple[str, str], ...] = attrs.field(default=(), validator=_check_flags)
    tekton_version: Version = NEWEST_TEKTON
    max_matrix_combinations: int = DEFAULT_MAX_MATRIX_COMBINATIONS
    """`config-defaults`' default-max-matrix-combinations-count: the most runs one matrix makes."""

    @property
    def enable_api_fields(self) -> ApiFields:
        """`enable-api-fields` as the cluster has it: set, or its release's default."""
        return self.api_fields or default_api_fields(self.tekton_version)

    def flag(self, name: str) -> str | None:
        """The value a feature flag is set to, or None when the cluster leaves its default."""
        if name == "enable-api-fields":
            return self.enable_api_fields
        return dict(self.flags).get(name)

    def enabled(self, name: str) -> bool:
        """Boolean feature flag `name` is on, as set or by Tekton's default. Per-feature flags
        are independent of `enable-api-fields`: alpha does not turn on enable-param-enum."""
        if name == "enable-step-actions" and not self.before(STEP_ACTIONS_STABLE):
            return True
        value = self.flag(name)
        return (value if value is not None else FEATURE_FLAGS[name].default) in _TRUE

    def allows(self, stability: ApiFields) -> bool:
        """Fields of `stability` are accepted under this `enable-api-fields`."""
        return API_FIELDS.index(stability) >= API_FIELDS.index(self.enable_api_fields)

    def before(self, version: Version) -> bool:
        """The cluster runs a Tekton older than `version`."""
        return self.tekton_version < version

    @property
    def shown_version(self) -> str:
        return shown(self.tekton_version)


def shown(version: Version) -> str:
    """(0, 46) -> "0.46"."""
    return f"{version[0]}.{version[1]}"
