"""`Literal[...]` params as Tekton's `enum`, written only where the cluster's gates accept it
(the enable-param-enum flag): the pipeline's choices must stay within each Task's, as Tekton's
run-time check demands, and a local run refuses a value outside them."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import pytest

from modelcar_dsl import Steps, command_step, pipeline, pipeline_run, task
from modelcar_dsl.compiling.compiler import compile_pipeline, compile_task
from modelcar_dsl.diagnostics.errors import LocalRunError
from modelcar_dsl.model.gates import Gates
from modelcar_dsl.model.target import Target
from modelcar_dsl.project.check import check
from modelcar_dsl.project.local_run import run_local

IMAGE = "registry.example/tools:1"
ENUM_ON = Gates(flags=(("enable-param-enum", "true"),))


@task(image=IMAGE)
def quantize(scheme: Literal["int4", "int8"] = "int8") -> Steps:
    """Quantize with a scheme."""
    return [command_step("quantize", ["sh", "-c", 'echo "$SCHEME"'])]


@pipeline()
def narrowed(scheme: Literal["int4"] = "int4") -> None:
    """Pass a narrower choice on."""
    quantize(scheme=scheme)


@pipeline()
def widened(scheme: Literal["int4", "int8", "fp8"] = "int4") -> None:
    """Pass a wider choice on (which mypy refuses too)."""
    quantize(scheme=scheme)  # type: ignore[arg-type]


@pipeline()
def unbounded(scheme: str = "int4") -> None:
    """Pass any string on (which mypy refuses too)."""
    quantize(scheme=scheme)  # type: ignore[arg-type]


@pytest.mark.parametrize("api", ["v1", "v1beta1"])
def test_choices_become_an_enum_only_with_the_flag(api: str) -> None:
    on = Target(api=api, gates=ENUM_ON)  # type: ignore[arg-type]
    param = compile_task(quantize.spec, on)["spec"]["params"][0]
    assert param == {
        "name": "scheme",
        "type": "string",
        "default": "int8",
        "enum": ["int4", "int8"],
    }
    assert list(param)[-1] == "enum"
    assert compile_pipeline(narrowed.spec, on)["spec"]["params"][0]["enum"] == ["int4"]
    assert check(narrowed, target=on) == []
    off = Target(api=api)  # type: ignore[arg-type]
    assert "enum" not in compile_task(quantize.spec, off)["spec"]["params"][0]
    assert check(unbounded, widened, target=off) == []
    old = Target(gates=Gates(flags=ENUM_ON.flags, tekton_version=(0, 53)))
    assert "enum" not in compile_task(quantize.spec, old)["spec"]["params"][0]


def test_a_pipeline_param_allowing_more_than_the_task_is_refused() -> None:
    on = Target(gates=ENUM_ON)
    problems = sorted(str(p) for p in check(widened, unbounded, target=on))
    assert len(problems) == 2, problems
    assert "pipeline/widened spec.tasks[0].params[0].value" in problems[0]
    assert "pipeline param 'scheme' allows ['fp8'], which Task 'quantize' refuses" in problems[0]
    assert "pipeline/unbounded spec.tasks[0].params[0].value" in problems[1]
    assert "pipeline param 'scheme' has no enum, but Task 'quantize' takes only" in problems[1]
    assert all("test_param_enum.py" in p for p in problems)


def test_a_local_run_refuses_a_value_outside_the_enum(tmp_path: Path) -> None:
    run = pipeline_run("narrowed", narrowed, timeout="1m")
    on = Target(namespace="ns", fs_group=1, gates=ENUM_ON)
    with pytest.raises(LocalRunError, match=r"--param scheme: 'int8' is not one of \['int4'\]"):
        run_local(run, params={"scheme": "int8"}, run_dir=tmp_path / "run", target=on)
