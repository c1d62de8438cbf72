"""Durations within Go's time.Duration (int64 nanoseconds, at most 2562047h47m16.854775807s):
the DSL refuses longer ones when they are declared, validate refuses them in YAML."""

from __future__ import annotations

import inspect
from datetime import timedelta
from pathlib import Path

import pytest

from modelcar_dsl import Steps, command_step, task
from modelcar_dsl.diagnostics.errors import DefinitionError
from modelcar_dsl.formats.durations import canonical_duration, go_duration_seconds
from tests.conftest import run_modelcar

LONGEST = "2562047h47m16.854775807s"


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("1h30m", 5400.0),
        ("1.5h", 5400.0),
        ("0", 0.0),
        ("-0", 0.0),
        ("+5s", 5.0),
        (".5s", 0.5),
        ("1.h", 3600.0),
        ("1\u00b5s", 1e-6),
        ("1\u03bcs", 1e-6),
        (LONGEST, 9223372036.854775807),
        ("9223372036854775807ns", 9223372036.854775807),
        ("-2562047h47m16.854775808s", -9223372036.854775808),
        pytest.param("1." + "0" * 5000 + "1s", 1.0, id="5000-digit-fraction"),
    ],
)
def test_what_go_parses_is_read(text: str, seconds: float) -> None:
    assert go_duration_seconds(text) == pytest.approx(seconds)


@pytest.mark.parametrize(
    "text",
    [
        "2562047h47m16.854775808s",
        "9223372036854775808ns",
        "3000000h",
        "2562048h",
        "153722868m",
        "2562047h47m17s",
        pytest.param("9" * 5000 + "h", id="5000-digit-hours"),
        "",
        "5",
        ".s",
        "1h1",
        "2 hours",
    ],
)
def test_what_go_refuses_or_overflows_is_not_a_duration(text: str) -> None:
    assert go_duration_seconds(text) is None


@pytest.mark.parametrize(
    ("value", "canonical"),
    [
        ("2562047h47m16s", "2562047h47m16s"),
        (9223372036, "2562047h47m16s"),
        (timedelta(hours=2562047, minutes=47, seconds=16), "2562047h47m16s"),
        ("1.00000000000000000000h", "1h0m0s"),
    ],
)
def test_the_dsl_writes_durations_up_to_gos_longest(value: str | int, canonical: str) -> None:
    assert canonical_duration(value) == canonical


@pytest.mark.parametrize(
    "value",
    [
        "3000000h",
        "2562047h47m17s",
        9223372037,
        pytest.param(10**5000, id="5000-digit-seconds"),
        pytest.param("9" * 5000 + "h", id="5000-digit-hours"),
        timedelta(days=999_999_999),
    ],
)
def test_the_dsl_refuses_durations_go_cannot_hold(value: str | int) -> None:
    with pytest.raises(ValueError, match=r"longer than Go.s time.Duration holds \(2562047h"):
        canonical_duration(value)


def test_a_too_long_timeout_is_a_compile_error_at_the_users_line() -> None:
    line = inspect.currentframe().f_lineno + 3  # type: ignore[union-attr]
    with pytest.raises(DefinitionError) as raised:

        @task(image="registry.example/tools:1", timeout="3000000h")
        def forever() -> Steps:
            return [command_step("run", ["true"])]

    assert raised.value.location is not None
    assert raised.value.location.line == line
    assert "longer than Go's time.Duration holds" in str(raised.value)


RUN = """\
apiVersion: tekton.dev/v1
kind: PipelineRun
metadata:
  generateName: long-
spec:
  pipelineSpec:
    tasks:
      - name: work
        timeout: {task}
        taskSpec:
          steps:
            - name: main
              image: busybox
              script: "true"
  taskRunTemplate:
    podTemplate:
      securityContext:
        fsGroup: 1000970000
  timeouts:
    pipeline: {pipeline}
"""


def test_validate_refuses_durations_beyond_gos_range(tmp_path: Path) -> None:
    (tmp_path / "run.yaml").write_text(RUN.format(task="1h", pipeline=LONGEST))
    assert run_modelcar("validate", "run.yaml", cwd=tmp_path).exit_code == 0
    (tmp_path / "run.yaml").write_text(RUN.format(task="3000000h", pipeline="3000000h"))
    result = run_modelcar("validate", "run.yaml", cwd=tmp_path)
    assert result.exit_code == 1
    assert result.stdout.splitlines()[:2] == [
        "run.yaml:9: error: pipelinerun/long- spec.pipelineSpec.tasks[0].timeout: timeout "
        "'3000000h' is not a duration like 1h30m, 90s or 0 (no timeout) [task-timeout]",
        "run.yaml:20: error: pipelinerun/long- spec.timeouts.pipeline: '3000000h' is not a "
        "duration like 1h30m [timeouts]",
    ]
