"""Tekton params as the compiler holds them, and the values each accepts.

`ParamSpec` is what an annotation became (authoring/annotations.py makes it); the checks here
hold every value the compiler sees to it, and `render_value` writes a value as Tekton reads it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any, Literal

import attrs

from modelcar_dsl.model.param_checks import InWorkspace, ParamCheck
from modelcar_dsl.model.refs import Ref

ParamValue = str | tuple[str, ...] | dict[str, str]
"""A rendered value: a string, an array, or an object with its keys sorted."""

_VARIABLE = re.compile(r"\$\([^)]*\)")


@attrs.frozen
class ParamSpec:
    """A Tekton param and the Python annotation it came from.

    `kind` keeps what Tekton's `type` loses (`int`, `bool`, `Literal` choices all become
    `string`), so values are checked at compile time against the annotation.
    """

    name: str
    py_name: str
    type: Literal["string", "array", "object"]
    kind: Literal["str", "int", "float", "bool", "choice", "array", "object"]
    description: str = ""
    default: ParamValue | None = None
    choices: tuple[str, ...] = ()
    properties: tuple[str, ...] = ()
    checks: tuple[ParamCheck, ...] = ()
    catalogue: str | None = None
    """The CatalogueName subclass (`module.Class`) of the annotation: only a catalogue record's
    field of that type may be passed."""
    tls_host: str | None = None
    """For a TLS switch (`VerifiesTls`), the py_name of the param holding its host."""
    record: str | None = None
    """For a field of a catalogue-record param, the record's class (`module.Class`)."""

    @property
    def required(self) -> bool:
        return self.default is None


def tekton_name(py_name: str) -> str:
    """Python identifiers become Tekton's kebab-case names (`image_ref` -> `image-ref`)."""
    return py_name.strip("_").replace("_", "-")


def env_name(name: str) -> str:
    """A Tekton name as an environment variable name (`image-ref` -> `IMAGE_REF`)."""
    return re.sub(r"[^A-Za-z0-9]", "_", name).upper()


def check_value(spec: ParamSpec, value: Any) -> str | None:
    """Why `value` does not fit the param, or None when it does.

    Tekton variables (refs or strings holding `$(...)`) are accepted for any scalar param:
    their value is known only at run time.
    """
    if isinstance(value, Ref):
        return _check_ref(spec, value)
    if spec.type == "array":
        if isinstance(value, list | tuple) and all(isinstance(v, str | Ref) for v in value):
            return None
        return f"expects a list of strings (list[str]), got {_describe(value)}"
    if spec.type == "object":
        return _check_object(spec, value)
    if isinstance(value, str) and _VARIABLE.search(value):
        return None
    return _check_scalar(spec, value)


def constraint_problem(spec: ParamSpec, value: Any) -> str | None:
    """Why a literal `value` of the right type breaks one of the param's checks, or None.

    A string built around run-time values (`f"../{sub}"`) is checked for its shape, each
    `$(...)` taken as a plain name; what the values themselves hold is the script's to check."""
    if isinstance(value, Ref):
        return None
    if isinstance(value, str) and _VARIABLE.search(value):
        shape = _VARIABLE.sub("x", value)
        for check in spec.checks:
            if isinstance(check, InWorkspace) and (problem := check.problem(shape)):
                return f"{value!r}, whatever its variables hold: {problem}"
        return None
    return next((p for check in spec.checks if (p := check.problem(value))), None)


def _check_ref(spec: ParamSpec, value: Ref) -> str | None:
    ref_type = getattr(value, "type", "string")
    if ref_type == spec.type:
        return None
    article = "an" if spec.type in ("array", "object") else "a"
    return f"expects {article} {spec.type}, got the {ref_type} variable {value}"


def _check_object(spec: ParamSpec, value: Any) -> str | None:
    if not isinstance(value, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str | Ref) for k, v in value.items()
    ):
        return f"expects a dict of strings (dict[str, str]), got {_describe(value)}"
    if spec.properties:
        missing = sorted(set(spec.properties) - set(value))
        unknown = sorted(set(value) - set(spec.properties))
        if missing or unknown:
            return (
                f"expects exactly the keys {list(spec.properties)}"
                + (f"; missing {missing}" if missing else "")
                + (f"; unknown {unknown}" if unknown else "")
            )
    return None


def _check_scalar(spec: ParamSpec, value: Any) -> str | None:
    if spec.kind == "str":
        ok = isinstance(value, str)
    elif spec.kind == "int":
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif spec.kind == "float":
        ok = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    elif spec.kind == "bool":
        ok = isinstance(value, bool)
    else:
        if not isinstance(value, str | int | bool) or render_scalar(value) not in spec.choices:
            return f"expects one of {list(spec.choices)}, got {_describe(value)}"
        return None
    if ok:
        return None
    return f"expects {spec.kind}, got {_describe(value)}"


def _describe(value: Any) -> str:
    return f"{type(value).__name__} {value!r}"


def render_scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def render_value(value: Any) -> ParamValue:
    """A checked Python value as the string, array or object Tekton passes."""
    if isinstance(value, Ref):
        whole_array = getattr(value, "type", "string") == "array" and not getattr(value, "path", "")
        return (str(value),) if whole_array else str(value)
    if isinstance(value, list | tuple):
        return tuple(str(item) for item in value)
    if isinstance(value, Mapping):
        return {str(k): str(v) for k, v in sorted(value.items())}
    return render_scalar(value)
