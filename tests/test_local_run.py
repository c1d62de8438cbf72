"""The local runner's Tekton semantics on small pipelines: parallelism, results, `when`, failure,
finally and its status variables, retries, every timeout, --from and --only, Secrets and
ConfigMaps, hostile params, and the `modelcar run` command's exit codes, report and output."""

from __future__ import annotations

import fcntl
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from modelcar_dsl import (
    PIPELINE_STATUS,
    ConfigMapEnv,
    Result,
    SecretEnv,
    Steps,
    VolumeClaim,
    Workspace,
    command_step,
    finally_tasks,
    pipeline,
    pipeline_run,
    task,
)
from modelcar_dsl.diagnostics.errors import LocalRunError
from modelcar_dsl.model.specs import RunSpec
from modelcar_dsl.model.target import Target
from modelcar_dsl.project.local_run import run_local
from modelcar_dsl.running.local import LocalRunResult
from modelcar_dsl.running.task_states import TaskState
from tests.conftest import MiniProject, run_modelcar

IMAGE = "registry.example/tools:1"
TARGET = Target(namespace="ns", fs_group=1000)
CHILD = re.compile(r"child=(\d+)")


@task(image=IMAGE, results=[Result("start", "When it began."), Result("end", "When it ended.")])
def stamp(pause: str = "1") -> Steps:
    """Write the time before and after a pause."""
    return [
        command_step(
            "stamp",
            [
                "sh",
                "-c",
                'date +%s.%N > "$RESULT_START_PATH"; sleep "$PAUSE"; '
                'date +%s.%N > "$RESULT_END_PATH"',
            ],
        )
    ]


@task(image=IMAGE, results=[Result("out", "The word.")])
def echo(word: str = "") -> Steps:
    """Write the word as the result."""
    return [command_step("echo", ["sh", "-c", 'printf %s "$WORD" > "$RESULT_OUT_PATH"'])]


@task(image=IMAGE, results=[Result("out", "The first argument.")])
def argv(word: str = "") -> Steps:
    """Write the step's first argument as the result: the param as Tekton puts it in argv."""
    return [
        command_step(
            "argv",
            ["sh", "-c", 'printf %s "$1" > "$RESULT_OUT_PATH"; printf %s "$1"'],
            ["sh", word],
        )
    ]


@task(image=IMAGE)
def fail(pause: str = "0", code: str = "3") -> Steps:
    """Pause, then exit with `code`."""
    return [command_step("fail", ["sh", "-c", 'sleep "$PAUSE"; exit "$CODE"'])]


@task(image=IMAGE)
def hang(stubborn: str = "no") -> Steps:
    """Start a `sleep 600` child, say its pid, and wait: only a timeout ends it. A stubborn
    step ignores TERM (and so does its child), so only KILL ends them."""
    return [
        command_step(
            "hang",
            [
                "sh",
                "-c",
                'if [ "$STUBBORN" = yes ]; then trap "" TERM; fi; '
                'sleep 600 & echo "child=$!"; wait',
            ],
        )
    ]


@task(image=IMAGE)
def hang_briefly() -> Steps:
    """A step whose own timeout is 1 s, in a task with no pipeline task timeout."""
    return [
        command_step("hang", ["sh", "-c", 'sleep 600 & echo "child=$!"; wait'], timeout="1s"),
        command_step("never", ["sh", "-c", "echo never"]),
    ]


@task(image=IMAGE)
def flaky() -> Steps:
    """Fail on the first attempt, succeed on a retry."""
    return [
        command_step(
            "try",
            ["sh", "-c", 'echo "attempt $1"; test "$1" != 0'],
            ["sh", "$(context.task.retry-count)"],
        )
    ]


@task(image=IMAGE)
def items(names: list[str]) -> Steps:
    """Print each element of an array param."""
    return [
        command_step("list", ["sh", "-c", 'for a; do echo "item=$a"; done'], ["sh", str(names)])
    ]


@task(
    image=IMAGE,
    results=[Result("out", "The secret and the setting.")],
    env=[
        SecretEnv("TOKEN", secret="creds", key="token"),
        ConfigMapEnv("MODE", config_map="settings", key="mode"),
    ],
)
def keyed() -> Steps:
    """Write a Secret's key and a ConfigMap's key as the result."""
    return [command_step("read", ["sh", "-c", 'printf %s "$TOKEN/$MODE" > "$RESULT_OUT_PATH"'])]


@task(image=IMAGE, workspaces=[Workspace("data")], results=[Result("token", "A fresh token.")])
def writer() -> Steps:
    """Write a token no other run can repeat, to the result and to the workspace."""
    return [
        command_step(
            "write",
            [
                "sh",
                "-c",
                'token="$(date +%s%N)-$$"; printf %s "$token" > "$RESULT_TOKEN_PATH"; '
                'printf %s "$token" > "$WORKSPACE_DATA_PATH/token"',
            ],
        )
    ]


@task(
    image=IMAGE,
    workspaces=[Workspace("data", read_only=True)],
    results=[Result("seen", "The workspace's token.")],
)
def checker(token: str, broken: str = "no") -> Steps:
    """Fail while `broken` is yes; else pass on the token found in the workspace."""
    return [
        command_step(
            "check",
            [
                "sh",
                "-c",
                'test "$BROKEN" != yes || exit 1; seen="$(cat "$WORKSPACE_DATA_PATH/token")"; '
                'test "$seen" = "$TOKEN"; printf %s "$seen" > "$RESULT_SEEN_PATH"',
            ],
        )
    ]


def go(run: RunSpec, tmp_path: Path, **options: object) -> LocalRunResult:
    """`run` executed locally in `tmp_path/run` (or the given run_dir)."""
    run_dir = options.pop("run_dir", tmp_path / "run")
    return run_local(run, run_dir=run_dir, target=TARGET, **options)  # type: ignore[arg-type]


def states(result: LocalRunResult) -> dict[str, TaskState]:
    return {state.name: state for state in result.outcome.tasks}


def interval(result: LocalRunResult, name: str) -> tuple[float, float]:
    results = result[name].results
    return float(str(results["start"])), float(str(results["end"]))


def child_pid(log: str) -> int:
    found = CHILD.search(log)
    assert found, log
    return int(found[1])


def gone(pid: int) -> bool:
    """The process no longer runs: it does not exist, or is a zombie nobody reaped yet."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            return True
        if fields[0] in ("Z", "X"):
            return True
        time.sleep(0.1)
    return False


@pipeline()
def two_stamps() -> None:
    """Two tasks that wait for nothing."""
    stamp.options(name="left")()
    stamp.options(name="right")()


TWO_STAMPS = pipeline_run("stamps", two_stamps, timeout="1m")


def test_independent_tasks_overlap_in_time(tmp_path: Path) -> None:
    result = go(TWO_STAMPS, tmp_path)
    assert result.succeeded, result.tasks
    left, right = interval(result, "left"), interval(result, "right")
    assert left[0] < right[1] and right[0] < left[1], (left, right)


def test_parallel_one_runs_one_task_at_a_time(tmp_path: Path) -> None:
    result = go(TWO_STAMPS, tmp_path, parallel=1)
    assert result.succeeded, result.tasks
    left, right = interval(result, "left"), interval(result, "right")
    assert left[1] <= right[0] or right[1] <= left[0], (left, right)


@pipeline()
def passing(word: str = "hello") -> None:
    """Results passed on in each of the DSL's forms, and the run's context."""
    first = echo.options(name="first")(word=word)
    echo.options(name="by-attribute")(word=first.results.out)
    echo.options(name="by-key")(word=first.results["out"])  # type: ignore[arg-type]
    echo.options(name="in-text")(word=f"<{first.results.out}|{word}>")
    echo.options(name="context")(word="$(context.pipelineRun.name) $(context.pipeline.name)")


def test_results_are_passed_on_in_every_form(tmp_path: Path) -> None:
    result = go(pipeline_run("passing", passing, timeout="1m"), tmp_path, params={"word": "hi"})
    assert result.succeeded, result.tasks
    assert result["first"].results == {"out": "hi"}
    assert result["by-attribute"].results == {"out": "hi"}
    assert result["by-key"].results == {"out": "hi"}
    assert result["in-text"].results == {"out": "<hi|hi>"}
    run_name = result.outcome.name
    assert re.fullmatch(r"passing-[a-z0-9]{5}", run_name)
    assert result["context"].results == {"out": f"{run_name} passing"}


@pipeline()
def guarded(go_on: str = "no") -> None:
    """A guarded task, a task that needs its result, and one that only runs after it."""
    skipped = echo.options(name="guarded")(word="x").when(go_on, "in", ["yes"])
    echo.options(name="needs-result")(word=skipped.results.out)
    echo.options(name="after-only")(word="ran").after(skipped)


def test_when_false_skips_the_task_and_those_needing_its_results(tmp_path: Path) -> None:
    result = go(pipeline_run("guarded", guarded, timeout="1m"), tmp_path)
    guarded_task = result["guarded"]
    assert (guarded_task.status, guarded_task.reason) == (
        "Skipped",
        "WhenExpressionsEvaluatedToFalse",
    )
    assert "'no'" in guarded_task.message and "in" in guarded_task.message
    assert "yes" in guarded_task.message
    assert result["needs-result"].status == "Skipped"
    assert "guarded" in result["needs-result"].message
    assert result["after-only"].results == {"out": "ran"}
    assert states(result)["guarded"].attempts == 0
    assert not (result.run_dir / "tasks" / "guarded").exists()
    assert (result.succeeded, result.reason) == (True, "Completed")


def test_when_true_runs_the_task(tmp_path: Path) -> None:
    result = go(pipeline_run("guarded", guarded, timeout="1m"), tmp_path, params={"go-on": "yes"})
    assert [task.status for task in result.tasks.values()] == ["Succeeded"] * 3
    assert result["needs-result"].results == {"out": "x"}
    assert result.reason == "Succeeded"


@pipeline()
def skipped_chain(go_on: str = "no") -> None:
    """A guarded task; one needing its result; one after that; one after that again."""
    guarded = echo.options(name="guarded")(word="x").when(go_on, "in", ["yes"])
    needs = echo.options(name="needs-result")(word=guarded.results.out)
    after = echo.options(name="after-needs")(word="x").after(needs)
    echo.options(name="after-after")(word="x").after(after)
    echo.options(name="after-guarded")(word="x").after(guarded)


def test_a_task_after_a_task_skipped_for_missing_results_is_skipped(tmp_path: Path) -> None:
    result = go(pipeline_run("skipped-chain", skipped_chain, timeout="1m"), tmp_path)
    assert result["needs-result"].reason == "ResultsMissing"
    for name, parent in (("after-needs", "needs-result"), ("after-after", "after-needs")):
        assert (result[name].status, result[name].reason) == ("Skipped", "ParentTasksSkipped")
        assert parent in result[name].message
    assert result["after-guarded"].status == "Succeeded"
    assert result.reason == "Completed"


@pipeline()
def failing() -> None:
    """A task fails while its sibling runs; what waits for either never starts."""
    broken = fail.options(name="broken")(pause="0.2")
    slow = stamp.options(name="slow")(pause="1.5")
    echo.options(name="after-broken")(word="x").after(broken)
    echo.options(name="after-slow")(word=slow.results.end)


def test_a_failure_stops_new_tasks_and_lets_running_ones_finish(tmp_path: Path) -> None:
    result = go(pipeline_run("failing", failing, timeout="1m"), tmp_path)
    assert (result.succeeded, result.reason) == (False, "Failed")
    broken = result["broken"]
    assert (broken.status, broken.reason, broken.exit_code, broken.failed_step) == (
        "Failed",
        "Failed",
        3,
        "fail",
    )
    assert result["slow"].status == "Succeeded"
    assert "end" in result["slow"].results
    for name in ("after-broken", "after-slow"):
        assert result[name].status == "Skipped", result[name]
        assert "broken failed" in result[name].message
        assert states(result)[name].attempts == 0
        assert not (result.run_dir / "tasks" / name).exists()


@pipeline()
def with_finally(go_on: str = "no", code: str = "3") -> None:
    """A task that succeeds, one that fails unless `code` is 0, one `when` skips; finally
    reports their statuses."""
    good = echo.options(name="good")(word="x")
    bad = fail.options(name="bad")(code=code)
    skipped = echo.options(name="skipped")(word="x").when(go_on, "in", ["yes"])
    with finally_tasks():
        echo.options(name="report")(
            word=f"{good.status},{bad.status},{skipped.status},{PIPELINE_STATUS}"
        )


FINALLY_RUN = pipeline_run("finally", with_finally, timeout="1m")


@pytest.mark.parametrize(
    ("params", "reported", "reason"),
    [
        ({}, "Succeeded,Failed,None,Failed", "Failed"),
        ({"code": "0"}, "Succeeded,Succeeded,None,Completed", "Completed"),
        ({"code": "0", "go-on": "yes"}, "Succeeded,Succeeded,Succeeded,Succeeded", "Succeeded"),
    ],
)
def test_finally_reads_each_status_and_the_aggregate(
    tmp_path: Path, params: dict[str, str], reported: str, reason: str
) -> None:
    result = go(FINALLY_RUN, tmp_path, params=params)
    assert result["report"].status == "Succeeded"
    assert result["report"].results == {"out": reported}
    assert result.reason == reason
    report_started = states(result)["report"].started
    assert report_started is not None
    for name in ("good", "bad"):
        state = states(result)[name]
        assert state.started is not None and state.seconds is not None
        assert state.started + state.seconds <= report_started + 0.5


@pipeline()
def reacting() -> None:
    """Finally tasks guarded by a task's status, and one reading a failed task's result."""
    good = echo.options(name="good")(word="x")
    bad = argv.options(name="bad")(word="x").after(fail.options(name="broken")())
    with finally_tasks():
        echo.options(name="on-failure")(word="cleaning").when(good.status, "in", ["Failed"])
        echo.options(name="on-success")(word="done").when(good.status, "in", ["Succeeded"])
        echo.options(name="on-result")(word=bad.results.out)
        echo.options(name="on-good-result")(word=good.results.out)


def test_finally_tasks_follow_when_on_status_and_skip_without_results(tmp_path: Path) -> None:
    result = go(pipeline_run("reacting", reacting, timeout="1m"), tmp_path)
    assert result["on-failure"].reason == "WhenExpressionsEvaluatedToFalse"
    assert "'Succeeded'" in result["on-failure"].message
    assert result["on-success"].results == {"out": "done"}
    assert (result["on-result"].status, result["on-result"].reason) == (
        "Skipped",
        "ResultsMissing",
    )
    assert result["on-good-result"].results == {"out": "x"}
    assert result.reason == "Failed"


@pipeline()
def retrying() -> None:
    """One task that succeeds on its retry, one that never does."""
    flaky.options(name="flaky", retries=1)()
    fail.options(name="hopeless", retries=2)()


@pipeline()
def timing_out_twice() -> None:
    """A task that times out on each of its two attempts."""
    hang.options(timeout="1s", retries=1)()


def test_a_timed_out_task_is_retried(tmp_path: Path) -> None:
    result = go(pipeline_run("timing-out", timing_out_twice, timeout="1m"), tmp_path)
    hung = states(result)["hang"]
    assert (hung.status, hung.reason, hung.attempts) == ("Failed", "TaskRunTimeout", 2)
    children = [int(pid) for pid in CHILD.findall(result["hang"].log)]
    assert len(children) == 2
    assert all(gone(pid) for pid in children)


def test_retries_rerun_a_failed_task_until_it_succeeds_or_they_run_out(tmp_path: Path) -> None:
    result = go(pipeline_run("retrying", retrying, timeout="1m"), tmp_path)
    flaky_state, hopeless = states(result)["flaky"], states(result)["hopeless"]
    assert (flaky_state.status, flaky_state.attempts) == ("Succeeded", 2)
    assert "attempt 0" in result["flaky"].log and "attempt 1" in result["flaky"].log
    assert (hopeless.status, hopeless.reason, hopeless.attempts) == ("Failed", "Failed", 3)
    assert result.reason == "Failed"


@pipeline()
def step_timeout() -> None:
    """A step with its own timeout."""
    hang_briefly()


def test_a_step_timeout_kills_the_step_and_its_children(tmp_path: Path) -> None:
    result = go(pipeline_run("step-timeout", step_timeout, timeout="1m"), tmp_path)
    task_result = result["hang-briefly"]
    assert task_result.status == "Failed"
    assert task_result.reason == "Failed"
    assert "hang" in task_result.message and "timeout" in task_result.message
    assert "never" not in task_result.log
    assert gone(child_pid(task_result.log))


@pipeline()
def task_timeout(stubborn: str = "no") -> None:
    """A pipeline task with a timeout, and a task after it."""
    slow = hang.options(timeout="1s")(stubborn=stubborn)
    echo(word="x").after(slow)


@pytest.mark.parametrize("stubborn", ["no", "yes"])
def test_a_task_timeout_kills_the_whole_process_group(tmp_path: Path, stubborn: str) -> None:
    result = go(
        pipeline_run("task-timeout", task_timeout, timeout="1m"),
        tmp_path,
        params={"stubborn": stubborn},
    )
    hung = result["hang"]
    assert (hung.status, hung.reason) == ("Failed", "TaskRunTimeout")
    assert result["echo"].status == "Skipped"
    assert result.reason == "Failed"
    assert gone(child_pid(hung.log))


@pipeline()
def hangs_then_finally() -> None:
    """A task that never ends by itself, one after it, and a finally task."""
    slow = hang()
    echo.options(name="later")(word="x").after(slow)
    with finally_tasks():
        echo.options(name="cleanup")(word=f"{slow.status} {PIPELINE_STATUS}")


def test_the_run_timeout_cancels_what_runs_and_skips_the_rest(tmp_path: Path) -> None:
    result = go(pipeline_run("run-timeout", hangs_then_finally, timeout="2s"), tmp_path)
    assert (result.succeeded, result.reason) == (False, "PipelineRunTimeout")
    hung = result["hang"]
    assert (hung.status, hung.reason) == ("Failed", "TaskRunCancelled")
    assert "timed out" in hung.message
    assert gone(child_pid(hung.log))
    later = states(result)["later"]
    assert (later.status, later.attempts) == ("Skipped", 0)
    cleanup = result["cleanup"]
    assert (cleanup.status, cleanup.reason) == ("Skipped", "PipelineRunTimeout")


def test_the_tasks_timeout_leaves_time_for_finally(tmp_path: Path) -> None:
    run = pipeline_run("tasks-timeout", hangs_then_finally, timeout="1m", tasks_timeout="2s")
    result = go(run, tmp_path)
    assert (result.succeeded, result.reason) == (False, "PipelineRunTimeout")
    hung = result["hang"]
    assert (hung.status, hung.reason) == ("Failed", "TaskRunCancelled")
    assert gone(child_pid(hung.log))
    assert result["later"].status == "Skipped"
    assert result["cleanup"].results == {"out": "Failed Failed"}


@pipeline()
def hanging_finally() -> None:
    """A quick task and a finally task that never ends by itself."""
    echo(word="x")
    with finally_tasks():
        hang.options(name="stuck")()


def test_the_finally_timeout_cancels_finally_tasks(tmp_path: Path) -> None:
    run = pipeline_run("finally-timeout", hanging_finally, timeout="1m", finally_timeout="2s")
    result = go(run, tmp_path)
    assert result["echo"].status == "Succeeded"
    stuck = result["stuck"]
    assert (stuck.status, stuck.reason) == ("Failed", "TaskRunCancelled")
    assert gone(child_pid(stuck.log))
    # Tekton counts a task cancelled for a timeout as failed; only the pipeline's and the tasks'
    # timeouts make the run's reason PipelineRunTimeout.
    assert (result.succeeded, result.reason) == (False, "Failed")


@pipeline(workspaces=["data"])
def chain(broken: str = "no") -> None:
    """A token written to a result and a workspace, checked, then passed on."""
    written = writer()
    checked = checker(token=written.results.token, broken=broken)
    echo.options(name="last")(word=checked.results.seen)


CHAIN = pipeline_run("chain", chain, workspaces={"data": VolumeClaim(size="1Gi")}, timeout="1m")


def test_from_reruns_the_task_and_what_follows_with_the_earlier_results(tmp_path: Path) -> None:
    first = go(CHAIN, tmp_path, params={"broken": "yes"})
    assert [task.status for task in first.tasks.values()] == ["Succeeded", "Failed", "Skipped"]
    token = first["writer"].results["token"]
    writer_log = first.run_dir / "tasks" / "writer" / "logs" / "write.log"
    writer_log.write_text("from the first run\n")

    again = go(CHAIN, tmp_path, params={"broken": "no"}, from_task="checker")
    assert again.succeeded, again.tasks
    assert again.outcome.name == first.outcome.name
    assert states(again)["writer"].reused and not states(again)["checker"].reused
    assert again["writer"].results == {"token": token}
    assert again["checker"].results == {"seen": token}
    assert again["last"].results == {"out": token}
    assert writer_log.read_text() == "from the first run\n"


def test_only_runs_one_task_on_the_earlier_results(tmp_path: Path) -> None:
    first = go(CHAIN, tmp_path)
    assert first.succeeded, first.tasks
    (first.run_dir / "tasks" / "checker" / "logs" / "check.log").write_text("kept\n")
    again = go(CHAIN, tmp_path, only_task="last")
    assert again.succeeded
    assert {name for name, state in states(again).items() if not state.reused} == {"last"}
    assert again["last"].results == first["last"].results
    assert (first.run_dir / "tasks" / "checker" / "logs" / "check.log").read_text() == "kept\n"


def test_from_needs_an_earlier_run(tmp_path: Path) -> None:
    with pytest.raises(LocalRunError, match="needs an earlier run"):
        go(CHAIN, tmp_path, from_task="checker")


@pipeline()
def keyed_flow() -> None:
    """A task whose env reads a Secret and a ConfigMap."""
    keyed()
    echo.options(name="bystander")(word="x")


KEYED = pipeline_run("keyed", keyed_flow, timeout="1m")


def test_unmapped_secrets_and_config_maps_are_listed_before_anything_runs(tmp_path: Path) -> None:
    with pytest.raises(LocalRunError) as raised:
        go(KEYED, tmp_path)
    message = str(raised.value)
    assert "--secret creds=DIR" in message and "--configmap settings=DIR" in message
    assert "TOKEN" in message and "MODE" in message
    assert not (tmp_path / "run" / "tasks").exists()
    assert not (tmp_path / "run" / "state.json").exists()


def test_key_references_read_the_mapped_directory_or_dict(tmp_path: Path) -> None:
    creds = tmp_path / "creds"
    creds.mkdir()
    (creds / "token").write_text("s3cret")
    from_directory = go(
        KEYED, tmp_path, secrets={"creds": creds}, config_maps={"settings": {"mode": "fast"}}
    )
    assert from_directory["keyed"].results == {"out": "s3cret/fast"}
    from_dict = go(
        KEYED,
        tmp_path,
        run_dir=tmp_path / "second",
        secrets={"creds": {"token": "from-a-dict"}},
        config_maps={"settings": {"mode": "safe"}},
    )
    assert from_dict["keyed"].results == {"out": "from-a-dict/safe"}


def test_a_missing_key_of_a_mapped_secret_is_refused(tmp_path: Path) -> None:
    with pytest.raises(LocalRunError, match="key token"):
        go(KEYED, tmp_path, secrets={"creds": {}}, config_maps={"settings": {"mode": "x"}})


@pipeline()
def relay(word: str = "") -> None:
    """A param through env, through argv, and through a result into another task."""
    first = echo.options(name="first")(word=word)
    argv(word=word)
    echo.options(name="second")(word=first.results.out)


HOSTILE = [
    "$(params.word)",
    "$(context.pipelineRun.name)",
    "$(rm -rf /)",
    "`touch pwned`; $(touch pwned) ; touch pwned",
    "line one\nline two\n",
    "../../..",
    "$(tasks.first.results.out)",
]


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_params_reach_the_step_verbatim(tmp_path: Path, value: str) -> None:
    result = go(pipeline_run("relay", relay, timeout="1m"), tmp_path, params={"word": value})
    assert result.succeeded, result.tasks
    for name in ("first", "argv", "second"):
        assert result[name].results == {"out": value}, name
    assert not list(result.run_dir.rglob("pwned"))
    assert not (Path.cwd() / "pwned").exists()


@pipeline()
def listing(names: list[str] = ["default"]) -> None:  # noqa: B006
    """An array param expanded into argv."""
    items(names=names)


def test_array_params_expand_into_argv(tmp_path: Path) -> None:
    result = go(
        pipeline_run("listing", listing, timeout="1m"), tmp_path, params={"names": ["a b", "c"]}
    )
    assert "item=a b\nitem=c\n" in result["items"].log


CLI_PROJECT = """
    from modelcar_dsl import Result, Steps, command_step, pipeline, pipeline_run, task

    IMAGE = "registry.example/tools:1"

    @task(image=IMAGE, results=[Result("out", "The word.")])
    def say(word: str = "hi", pause: str = "0") -> Steps:
        \"\"\"Say the word.\"\"\"
        script = 'sleep "$PAUSE"; echo "said $WORD"; printf %s "$WORD" > "$RESULT_OUT_PATH"'
        return [command_step("say", ["sh", "-c", script])]

    @task(image=IMAGE)
    def fail() -> Steps:
        \"\"\"Fail.\"\"\"
        return [command_step("fail", ["sh", "-c", "exit 4"])]

    @task(image=IMAGE)
    def items(names: list[str]) -> Steps:
        \"\"\"List.\"\"\"
        return [command_step("list", ["sh", "-c", 'for a; do echo "item=$a"; done'], ["sh", names])]

    @pipeline()
    def chatty(pause: str = "0") -> None:
        \"\"\"Two tasks that talk.\"\"\"
        first = say.options(name="first")(word="one", pause=pause)
        say.options(name="second")(word=first.results.out)

    @pipeline()
    def failing() -> None:
        \"\"\"A failure.\"\"\"
        broken = fail()
        say(word="x").after(broken)

    @task(image=IMAGE)
    def hang() -> Steps:
        \"\"\"Hang.\"\"\"
        return [command_step("hang", ["sh", "-c", 'sleep 600 & echo "child=$!"; wait'])]

    @pipeline()
    def hanging() -> None:
        \"\"\"Hangs until stopped.\"\"\"
        hang()

    @pipeline()
    def listing(names: list[str] = ["x"]) -> None:
        \"\"\"Array params.\"\"\"
        items(names=names)

    chatty_run = pipeline_run("chatty", chatty, timeout="1m")
    failing_run = pipeline_run("failing", failing, timeout="1m")
    listing_run = pipeline_run("listing", listing, timeout="1m")
    hanging_run = pipeline_run("hanging", hanging, timeout="1m")
"""


@pytest.fixture
def project(mini_project: Callable[..., MiniProject]) -> MiniProject:
    return mini_project(CLI_PROJECT)


def modelcar_run(project: MiniProject, *args: str) -> tuple[int, str, str]:
    result = run_modelcar("run", *args, cwd=project.root)
    return result.exit_code, result.stdout, result.stderr


def test_cli_success_prints_steps_a_summary_and_writes_a_report(
    project: MiniProject, tmp_path: Path
) -> None:
    report = tmp_path / "report.json"
    code, out, err = modelcar_run(
        project, "chatty", "--run-dir", str(tmp_path / "rd"), "--report", str(report)
    )
    assert code == 0, err
    assert "[first/say] said one" in out and "[second/say] said one" in out
    header = next(line for line in err.splitlines() if line.startswith("TASK"))
    assert header.split() == ["TASK", "STATUS", "DURATION", "ATTEMPTS", "DETAIL"]
    rows = {line.split()[0]: line.split()[1:] for line in err.splitlines()[1:] if line}
    assert rows["first"][0] == "Succeeded" and rows["second"][0] == "Succeeded"
    assert "registry.example/tools:1" in err
    document = json.loads(report.read_text())
    assert document["run"] == "chatty" and document["succeeded"] is True
    assert document["reason"] == "Succeeded"
    assert re.fullmatch(r"chatty-[a-z0-9]{5}", document["pipelineRun"])
    assert document["imagesNotUsed"] == ["registry.example/tools:1"]
    tasks = {entry["name"]: entry for entry in document["tasks"]}
    assert tasks["second"]["results"] == {"out": "one"}
    assert tasks["second"]["status"] == "Succeeded" and tasks["second"]["attempts"] == 1
    log = Path(tasks["first"]["steps"][0]["log"])
    assert log.read_text() == "said one\n"


def test_cli_quiet_keeps_the_steps_output_in_the_logs_only(
    project: MiniProject, tmp_path: Path
) -> None:
    code, out, err = modelcar_run(project, "chatty", "--run-dir", str(tmp_path / "rd"), "--quiet")
    assert code == 0, err
    assert "said one" not in out and "said one" not in err
    assert (tmp_path / "rd" / "tasks" / "first" / "logs" / "say.log").read_text() == "said one\n"
    assert "first" in err and "Succeeded" in err


def test_cli_failed_run_exits_1(project: MiniProject, tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    code, _, err = modelcar_run(
        project, "failing", "--run-dir", str(tmp_path / "rd"), "--report", str(report)
    )
    assert code == 1, err
    assert "failed (Failed)" in err
    document = json.loads(report.read_text())
    assert (document["succeeded"], document["reason"]) == (False, "Failed")
    assert [(task["name"], task["status"]) for task in document["tasks"]] == [
        ("fail", "Failed"),
        ("say", "Skipped"),
    ]
    rows = {line.split()[0]: line.split()[1] for line in err.splitlines() if line[:1].islower()}
    assert rows.get("fail") == "Failed" and rows.get("say") == "Skipped", err


@pytest.mark.parametrize("given", ["names=a b,c", 'names=["a b","c"]'])
def test_cli_array_params_from_commas_or_json(
    project: MiniProject, tmp_path: Path, given: str
) -> None:
    code, out, err = modelcar_run(
        project, "listing", "--run-dir", str(tmp_path / "rd"), "--param", given
    )
    assert code == 0, err
    assert "[items/list] item=a b\n[items/list] item=c\n" in out


@pytest.mark.parametrize(
    ("given", "said"),
    [
        (["--param", "nope=1"], "the pipeline has no such param"),
        (["--workspace", "data=/nonexistent"], "the pipeline has no such workspace"),
        (["--only", "nope"], "pipeline has no task 'nope'"),
    ],
)
def test_cli_bad_input_exits_2_before_running(
    project: MiniProject, tmp_path: Path, given: list[str], said: str
) -> None:
    code, out, err = modelcar_run(project, "chatty", "--run-dir", str(tmp_path / "rd"), *given)
    assert code == 2
    assert said in err
    assert "said" not in out
    assert not (tmp_path / "rd" / "tasks").exists()


def test_cli_from_without_an_earlier_run_exits_2(project: MiniProject, tmp_path: Path) -> None:
    code, _, err = modelcar_run(
        project, "chatty", "--run-dir", str(tmp_path / "rd"), "--from", "second"
    )
    assert code == 2
    assert "needs an earlier run" in err


def test_cli_from_reruns_from_a_task(project: MiniProject, tmp_path: Path) -> None:
    run_dir = str(tmp_path / "rd")
    assert modelcar_run(project, "chatty", "--run-dir", run_dir)[0] == 0
    code, out, err = modelcar_run(project, "chatty", "--run-dir", run_dir, "--from", "second")
    assert code == 0, err
    assert "[second/say] said one" in out and "[first/say]" not in out
    assert "earlier run" in err


def test_cli_refuses_a_run_directory_another_run_holds(
    project: MiniProject, tmp_path: Path
) -> None:
    run_dir = tmp_path / "rd"
    command = ["run", "chatty", "--run-dir", str(run_dir), "--param", "pause=60", "--quiet"]
    first = subprocess.Popen(
        [sys.executable, "-m", "modelcar_dsl", *command],
        cwd=project.root,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while not (run_dir / "state.json").exists():
            assert time.monotonic() < deadline and first.poll() is None
            time.sleep(0.05)
        code, _, err = modelcar_run(project, "chatty", "--run-dir", str(run_dir))
        assert first.poll() is None, "the first run ended before the second tried the lock"
        assert code == 2
        assert "another modelcar run is using" in err
    finally:
        first.terminate()
        first.wait(30)
    state = json.loads((run_dir / "state.json").read_text())
    assert state["tasks"][0]["reason"] == "TaskRunCancelled"


def test_cli_refuses_a_lock_it_cannot_take(project: MiniProject, tmp_path: Path) -> None:
    run_dir = tmp_path / "rd"
    assert modelcar_run(project, "chatty", "--run-dir", str(run_dir))[0] == 0
    descriptor = os.open(run_dir / ".modelcar-run", os.O_RDWR)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        code, _, err = modelcar_run(project, "chatty", "--run-dir", str(run_dir))
    finally:
        os.close(descriptor)
    assert code == 2 and "another modelcar run" in err
    assert (run_dir / "state.json").is_file()


def test_cli_refuses_a_foreign_run_directory_and_deletes_nothing(
    project: MiniProject, tmp_path: Path
) -> None:
    foreign = tmp_path / "mine"
    (foreign / "tasks").mkdir(parents=True)
    (foreign / "notes.txt").write_text("keep me")
    (foreign / "tasks" / "x").write_text("keep me too")
    code, _, err = modelcar_run(project, "chatty", "--run-dir", str(foreign))
    assert code == 2
    assert "not a modelcar run" in err
    assert (foreign / "notes.txt").read_text() == "keep me"
    assert (foreign / "tasks" / "x").read_text() == "keep me too"
    assert sorted(path.name for path in foreign.iterdir()) == ["notes.txt", "tasks"]


def test_cli_lists_unmapped_secrets_before_running(
    mini_project: Callable[..., MiniProject], tmp_path: Path
) -> None:
    project = mini_project(
        """
        from modelcar_dsl import SecretEnv, Steps, command_step, pipeline, pipeline_run, task

        @task(image="tools:1", env=[SecretEnv("TOKEN", secret="creds", key="token")])
        def needy() -> Steps:
            \"\"\"Needs a secret.\"\"\"
            return [command_step("use", ["sh", "-c", 'echo "token=$TOKEN"'])]

        @task(image="tools:1")
        def free() -> Steps:
            \"\"\"Needs nothing.\"\"\"
            return [command_step("free", ["sh", "-c", "echo free"])]

        @pipeline()
        def secretive() -> None:
            \"\"\"Needs a secret.\"\"\"
            free()
            needy()

        run = pipeline_run("secretive", secretive, timeout="1m")
        """
    )
    run_dir = tmp_path / "rd"
    code, out, err = modelcar_run(project, "secretive", "--run-dir", str(run_dir))
    assert code == 2
    assert "--secret creds=DIR" in err and "needy" in err
    assert "free" not in out
    assert not (run_dir / "tasks").exists()
    secret = tmp_path / "creds"
    secret.mkdir()
    (secret / "token").write_text("abc")
    code, out, err = modelcar_run(
        project, "secretive", "--run-dir", str(run_dir), "--secret", f"creds={secret}"
    )
    assert code == 0, err
    assert "[needy/use] token=abc" in out


@pytest.mark.parametrize("signal_number", [signal.SIGINT, signal.SIGTERM])
def test_cli_stopped_by_a_signal_stops_its_steps(
    project: MiniProject, tmp_path: Path, signal_number: int
) -> None:
    run_dir = tmp_path / "rd"
    log = run_dir / "tasks" / "hang" / "logs" / "hang.log"
    command = ["run", "hanging", "--run-dir", str(run_dir), "--quiet"]
    running = subprocess.Popen(
        [sys.executable, "-m", "modelcar_dsl", *command],
        cwd=project.root,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while not (log.exists() and CHILD.search(log.read_text())):
            assert time.monotonic() < deadline and running.poll() is None
            time.sleep(0.05)
        running.send_signal(signal_number)
        _, err = running.communicate(timeout=30)
    finally:
        if running.poll() is None:
            running.kill()
    assert running.returncode not in (0, 1, 2), err
    assert gone(child_pid(log.read_text()))
    state = json.loads((run_dir / "state.json").read_text())
    assert [(task["status"], task["reason"]) for task in state["tasks"]] == [
        ("Failed", "TaskRunCancelled")
    ]


@task(image="registry.example/tools:1")
def plant() -> Steps:
    """Put a file where the next TaskRun's directory goes, from inside the run directory."""
    return [command_step("plant", ["sh", "-c", 'printf x > "$HOME/../../victim"'])]


@task(image="registry.example/tools:1")
def victim() -> Steps:
    """Never gets a directory of its own."""
    return [command_step("run", ["true"])]


@pipeline()
def planted() -> None:
    victim().after(plant())


def test_a_taskrun_that_cannot_start_is_recorded_failed_never_left_running(
    tmp_path: Path,
) -> None:
    """An error inside a TaskRun's thread (here the directory it needs is a file a step
    planted) ends the run as it did, but the run directory says the task failed and why."""
    with pytest.raises(OSError):
        run_local(
            pipeline_run("planted", planted, timeout="1m"), run_dir=tmp_path / "run", target=TARGET
        )
    state = json.loads((tmp_path / "run" / "state.json").read_text())
    tasks = {entry["name"]: entry for entry in state["tasks"]}
    assert tasks["victim"]["status"] == "Failed"
    assert tasks["victim"]["reason"] == "LocalRunError"
    assert "victim" in tasks["victim"]["message"]
