"""Attacks on `modelcar run`, `run_local` and `run_task`: hostile params and results, corrupt
run directories, steps that misbehave. Each test is a hole found and closed; it fails on the
runner as it was."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

from modelcar_dsl.diagnostics.errors import LocalRunError
from modelcar_dsl.project.local_run import run_task
from modelcar_dsl.running.console import Console
from modelcar_dsl.running.container_runtime import ContainerRuntime
from modelcar_dsl.running.local import RunOptions, execute
from modelcar_dsl.running.report import write_report
from modelcar_dsl.running.step_runtime import RunAs
from modelcar_dsl.running.taskrun import read_results
from modelcar_dsl.running.variables import Value
from tests.conftest import MiniProject, run_modelcar
from tests.oci_images import busybox_base

CLI_PROJECT = """
    from modelcar_dsl import Result, SecretEnv, Steps, command_step, pipeline, pipeline_run, task

    @task(image="registry.example/tools:1", results=[Result("out", "What the code wrote.")])
    def shell(code: str = "true") -> Steps:
        \"\"\"Run the code.\"\"\"
        return [command_step("run", ["sh", "-c", "$(params.code)"])]

    @pipeline()
    def one(code: str = "true") -> None:
        \"\"\"One task.\"\"\"
        first = shell.options(name="first")(code=code)
        shell.options(name="second")(code=first.results.out)

    @task(image="registry.example/tools:1", env=[SecretEnv("TOKEN", secret="creds", key="token")])
    def keyed() -> Steps:
        \"\"\"Use the token.\"\"\"
        return [command_step("use", ["sh", "-c", 'test -n "$TOKEN"'])]

    @pipeline()
    def secretive() -> None:
        \"\"\"Needs a Secret.\"\"\"
        keyed()

    one_run = pipeline_run("one", one, timeout="1m")
    secretive_run = pipeline_run("secretive", secretive, timeout="1m")
"""

needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="--user needs root, as setpriv does")


def task_document(name: str, **spec: Any) -> dict[str, Any]:
    return {"kind": "Task", "metadata": {"name": name}, "spec": spec}


def pipeline_documents(
    tasks: Mapping[str, Mapping[str, Any]],
    pipeline_tasks: list[dict[str, Any]],
    params: list[dict[str, Any]] | None = None,
) -> dict[tuple[str, str], Mapping[str, Any]]:
    """A PipelineRun "demo" of a Pipeline of `pipeline_tasks`, using the Task documents given."""
    documents: dict[tuple[str, str], Mapping[str, Any]] = {
        ("Task", name): document for name, document in tasks.items()
    }
    documents[("Pipeline", "demo")] = {
        "kind": "Pipeline",
        "metadata": {"name": "demo"},
        "spec": {"params": params or [], "tasks": pipeline_tasks},
    }
    documents[("PipelineRun", "demo")] = {
        "kind": "PipelineRun",
        "metadata": {"generateName": "demo-"},
        "spec": {"pipelineRef": {"name": "demo"}, "timeouts": {"pipeline": "1m"}},
    }
    return documents


def gone(pid: int) -> bool:
    """The process has ended (or is a zombie nobody reaped yet), within 10 s."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except FileNotFoundError:
            return True
        if state in ("Z", "X"):
            return True
        time.sleep(0.1)
    return False


def quiet() -> Console:
    return Console(quiet=True, live=False)


def command_task(name: str = "any", **step: Any) -> Mapping[str, Any]:
    """A Task whose one step runs the array param `cmd` as its whole command."""
    return task_document(
        name,
        params=[{"name": "cmd", "type": "array"}],
        results=[{"name": "out"}],
        steps=[{"name": "run", "image": "tools", "command": ["$(params.cmd[*])"], **step}],
    )


@needs_root
def test_a_command_from_a_param_cannot_add_setpriv_options(tmp_path: Path) -> None:
    """With --user, a step's command goes after setpriv's options: one taken from a param that
    looks like an option (--ambient-caps) must be the program, not a capability for the step."""
    secret = tmp_path / "root-only"
    secret.write_text("root's secret\n")
    secret.chmod(0o600)
    caps = "+dac_override,+dac_read_search"
    hostile = [f"--inh-caps={caps}", f"--ambient-caps={caps}", "cat", str(secret)]

    result = run_task(command_task(), {"cmd": hostile}, user=(1000, 1000))

    assert "root's secret" not in result.log
    assert not result.succeeded
    plain = run_task(command_task(), {"cmd": ["id", "-u"]}, user=(1000, 1000))
    assert plain.log.splitlines()[1:] == ["1000"]


@pytest.mark.parametrize("user", [(4294967295, 4294967295), (2**40, 0), (0, -1)])
def test_a_user_id_out_of_range_is_refused_not_run_as_root(user: tuple[int, int]) -> None:
    """2**32 - 1 is -1 to setreuid ("unchanged"): the step would run as root, unasked."""
    with pytest.raises(LocalRunError, match="not between 0 and 4294967294"):
        run_task(command_task(), {"cmd": ["id", "-u"]}, user=user)


@pytest.mark.parametrize("user", ["4294967295", "1000:4294967295", "²", "1:²"])
def test_cli_user_out_of_range_or_not_a_number_exits_2(
    mini_project: Callable[..., MiniProject], tmp_path: Path, user: str
) -> None:
    project = mini_project(CLI_PROJECT)
    result = run_modelcar(
        "run", "one", "--user", user, "--run-dir", str(tmp_path / "rd"), cwd=project.root
    )
    assert result.exit_code == 2, result.stderr
    assert "bug" not in result.stderr


def modelcar_run(project: MiniProject, tmp_path: Path, *args: str) -> tuple[int, str]:
    result = run_modelcar("run", *args, "--run-dir", str(tmp_path / "rd"), cwd=project.root)
    return result.exit_code, result.stdout + result.stderr


def test_a_result_holding_a_nul_byte_fails_the_task_using_it_not_the_runner(
    mini_project: Callable[..., MiniProject], tmp_path: Path
) -> None:
    """A NUL cannot be in a process's argv or env: the step cannot start, so its task fails
    (as the container runtime refuses it); the runner must not crash with a traceback."""
    project = mini_project(CLI_PROJECT)
    code, output = modelcar_run(
        project, tmp_path, "one", "--param", r"code=printf 'a\000b' > $RESULT_OUT_PATH"
    )
    assert code == 1, output
    assert "second: Failed" in output
    assert "embedded null byte" in (tmp_path / "rd/tasks/second/logs/run.log").read_text()


RETRIED = task_document(
    "retried",
    results=[{"name": "out"}],
    steps=[
        {
            "name": "run",
            "image": "tools",
            "command": ["sh", "-c", 'mkdir -p "$1/deep" && exit 1', "sh", "$(results.out.path)"],
        }
    ],
)


def test_a_retry_clears_a_directory_the_last_attempt_made_as_its_result(tmp_path: Path) -> None:
    """A failed attempt that made its result path a directory: the retry starts clean (and
    fails again, here), where the runner crashed on IsADirectoryError."""
    documents = pipeline_documents(
        {"retried": RETRIED}, [{"name": "retried", "taskRef": {"name": "retried"}, "retries": 1}]
    )
    result = execute(documents, "demo", tmp_path / "run", RunOptions(), quiet())
    assert result["retried"].status == "Failed"
    assert result.outcome.tasks[0].attempts == 2


def test_a_process_escaping_the_steps_group_ends_with_the_step(
    mini_project: Callable[..., MiniProject], tmp_path: Path
) -> None:
    """A step that leaves a process in a session of its own (setsid) holding its output: the
    run waited for it (600 s here, for ever for a daemon). A container's processes all end
    with it; so must this one."""
    project = mini_project(CLI_PROJECT)
    daemon = "setsid sh -c 'echo child=$$; exec sleep 600' & sleep 0.5; : > $RESULT_OUT_PATH"
    command = [sys.executable, "-m", "modelcar_dsl", "run", "one", "--param", f"code={daemon}"]
    try:
        completed = subprocess.run(
            [*command, "--run-dir", str(tmp_path / "rd")],
            cwd=project.root,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    finally:
        log = (tmp_path / "rd/tasks/first/logs/run.log").read_text()
        child = int(log.split("child=")[1].split()[0])
        escaped = not gone(child)
        if escaped:
            os.kill(child, signal.SIGKILL)
    assert completed.returncode == 0, completed.stderr
    assert not escaped


ECHO = task_document(
    "echo",
    params=[{"name": "word", "default": ""}],
    results=[{"name": "out"}],
    steps=[
        {
            "name": "echo",
            "image": "tools",
            "command": ["sh", "-c", 'printf %s "$1" > "$2"', "sh"],
            "args": ["$(params.word)", "$(results.out.path)"],
        }
    ],
)
RELAY = pipeline_documents(
    {"echo": ECHO},
    [
        {"name": "first", "taskRef": {"name": "echo"}, "params": [{"name": "word", "value": "x"}]},
        {
            "name": "second",
            "taskRef": {"name": "echo"},
            "params": [{"name": "word", "value": "$(tasks.first.results.out)"}],
        },
    ],
)


def corrupted(state: dict[str, Any], change: str) -> str:
    """The state's JSON with one kind of damage."""
    task = state["tasks"][0]
    if change == "deep":
        return '{"version": 1, "tasks": ' + "[" * 100_000 + "]" * 100_000 + "}"
    if change == "huge":
        return json.dumps({**state, "padding": "x" * (64 * 1024 * 1024)})
    damaged = {
        "tasks-text": {**state, "tasks": "abc"},
        "task-number": {**state, "tasks": [1]},
        "no-status": {**state, "tasks": [{"name": "first"}]},
        "results-text": {**state, "tasks": [{**task, "results": "zz"}]},
        "result-number": {**state, "tasks": [{**task, "results": {"out": 5}}]},
        "attempts-text": {**state, "tasks": [{**task, "attempts": "x"}]},
        "seconds-text": {**state, "tasks": [{**task, "seconds": "x"}]},
        "params-list": {**state, "params": [1]},
        "steps-text": {**state, "tasks": [{**task, "steps": "abc"}]},
        "log-elsewhere": {
            **state,
            "tasks": [{**task, "steps": [{"name": "s", "exitCode": 0, "log": "/etc/passwd"}]}],
        },
        "log-climbing": {
            **state,
            "tasks": [
                {
                    **task,
                    "steps": [
                        {
                            **task["steps"][0],
                            "log": task["steps"][0]["log"] + "/../../../../../etc/passwd",
                        }
                    ],
                }
            ],
        },
    }
    return json.dumps(damaged[change])


CORRUPTIONS = [
    "deep",
    "huge",
    "tasks-text",
    "task-number",
    "no-status",
    "results-text",
    "result-number",
    "attempts-text",
    "seconds-text",
    "params-list",
    "steps-text",
    "log-elsewhere",
    "log-climbing",
]


@pytest.mark.parametrize("selected", [{"from_task": "second"}, {"only_task": "second"}])
@pytest.mark.parametrize("change", CORRUPTIONS)
def test_a_corrupt_state_is_refused_for_from_and_only(
    tmp_path: Path, change: str, selected: dict[str, str]
) -> None:
    """--from and --only trust state.json: a damaged or planted one must be refused cleanly
    (LocalRunError, exit 2), never a traceback, a huge read, or a log read from elsewhere."""
    run_dir = tmp_path / "run"
    assert execute(RELAY, "demo", run_dir, RunOptions(), quiet()).succeeded
    state = json.loads((run_dir / "state.json").read_text())
    (run_dir / "state.json").write_text(corrupted(state, change))
    with pytest.raises(LocalRunError, match="start a fresh run"):
        execute(RELAY, "demo", run_dir, RunOptions(**selected), quiet())  # type: ignore[arg-type]


def test_an_intact_state_is_still_reused(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    assert execute(RELAY, "demo", run_dir, RunOptions(), quiet()).succeeded
    again = execute(RELAY, "demo", run_dir, RunOptions(only_task="second"), quiet())
    assert again.succeeded
    assert again["first"].log.startswith("--- step echo")
    assert again["second"].results == {"out": "x"}


def test_cli_refuses_a_deeply_nested_state_with_exit_2(
    mini_project: Callable[..., MiniProject], tmp_path: Path
) -> None:
    project = mini_project(CLI_PROJECT)
    run_dir = tmp_path / "rd"
    run_dir.mkdir()
    (run_dir / ".modelcar-run").touch()
    (run_dir / "state.json").write_text('{"version": 1, "tasks": ' + "[" * 100_000 + "}")
    code, output = modelcar_run(project, tmp_path, "one", "--from", "second")
    assert code == 2, output
    assert "is not a run state" in output


def test_state_is_not_written_through_a_symlink_planted_at_its_staging_name(
    tmp_path: Path,
) -> None:
    """state.json was staged at `.state.json.PID`, a name anyone able to write the directory
    could guess and plant a symlink at: the state then overwrote the file it pointed to."""
    victim = tmp_path / "victim"
    victim.write_text("precious\n")
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    (run_dir / ".modelcar-run").touch()
    (run_dir / f".state.json.{os.getpid()}").symlink_to(victim)

    assert execute(RELAY, "demo", run_dir, RunOptions(), quiet()).succeeded

    assert victim.read_text() == "precious\n"
    assert json.loads((run_dir / "state.json").read_text())["tasks"][1]["results"] == {"out": "x"}


def test_the_report_is_not_written_through_a_symlink_planted_at_its_staging_name(
    tmp_path: Path,
) -> None:
    """--report /tmp/report.json staged at /tmp/.report.json.PID: in a shared directory
    another user could plant a symlink there and have the report overwrite a file of yours."""
    victim = tmp_path / "victim"
    victim.write_text("precious\n")
    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / f".report.json.{os.getpid()}").symlink_to(victim)

    write_report(shared / "report.json", {"succeeded": True})

    assert victim.read_text() == "precious\n"
    assert json.loads((shared / "report.json").read_text()) == {"succeeded": True}


@pytest.mark.skipif(shutil.which("podman") is None, reason="--containers needs podman")
def test_an_image_from_a_param_cannot_add_podman_options(tmp_path: Path) -> None:
    """`image: $(params.image)` is common; a value starting with "-" was read by podman as an
    option (here a volume of this machine's), and the next argument as the image."""
    image = busybox_base(tmp_path / "busybox", tools=("sh", "touch"))
    host = tmp_path / "host"
    host.mkdir()
    spec = task_document(
        "anyimage",
        params=[{"name": "image"}, {"name": "args", "type": "array"}],
        steps=[
            {
                "name": "run",
                "image": "$(params.image)",
                "command": ["sh"],
                "args": ["$(params.args[*])"],
            }
        ],
    )
    documents = pipeline_documents(
        {"anyimage": spec},
        [
            {
                "name": "anyimage",
                "taskRef": {"name": "anyimage"},
                "params": [
                    {"name": "image", "value": "$(params.image)"},
                    {"name": "args", "value": ["$(params.args[*])"]},
                ],
            }
        ],
        params=[{"name": "image"}, {"name": "args", "type": "array"}],
    )
    hostile: dict[str, Value] = {
        "image": f"--volume={host}:/host",
        "args": [image, "-c", "touch /host/pwned"],
    }
    options = RunOptions(params=hostile, runtime=ContainerRuntime())

    result = execute(documents, "demo", tmp_path / "run", options, quiet())

    assert not (host / "pwned").exists()
    assert result["anyimage"].status == "Failed"


def test_a_secret_key_that_is_a_fifo_is_refused_not_waited_on(
    mini_project: Callable[..., MiniProject], tmp_path: Path
) -> None:
    """Reading a FIFO waits for a writer: the run hung before it started."""
    project = mini_project(CLI_PROJECT)
    creds = tmp_path / "creds"
    creds.mkdir()
    os.mkfifo(creds / "token")
    command = [sys.executable, "-m", "modelcar_dsl", "run", "secretive"]
    completed = subprocess.run(
        [*command, "--secret", f"creds={creds}", "--run-dir", str(tmp_path / "rd")],
        cwd=project.root,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 2, completed.stderr
    assert "is not a file" in completed.stderr


@pytest.mark.parametrize(
    "spec",
    [
        {"steps": [{"name": "../../../escaped", "image": "x", "command": ["true"]}]},
        {
            "results": [{"name": "../../../../../../../../../etc/passwd"}],
            "steps": [{"name": "run", "image": "x", "command": ["true"]}],
        },
    ],
)
def test_a_task_document_cannot_name_files_outside_its_taskrun(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, spec: dict[str, Any]
) -> None:
    """run_task takes a Task document as it is: a step name was the path of its log (written
    anywhere), a result name the path read as the result (here /etc/passwd)."""
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    with pytest.raises(LocalRunError, match="is not a"):
        run_task(task_document("named", **spec), {})
    assert not (tmp_path / "escaped.log").exists()


@pytest.mark.parametrize("planted", ["claims", "tasks", "workspaces", "mapped"])
@pytest.mark.parametrize("selected", [{}, {"from_task": "second"}])
def test_a_symlink_planted_in_the_run_directory_is_refused(
    tmp_path: Path, planted: str, selected: dict[str, str]
) -> None:
    """--from keeps `tasks` and clears each rerun task's directory in it: through a planted
    `tasks` symlink, that deleted a directory elsewhere. Claims and Secrets kept in a planted
    `claims` or `mapped` were written elsewhere by every run."""
    run_dir = tmp_path / "run"
    assert execute(RELAY, "demo", run_dir, RunOptions(), quiet()).succeeded
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "second").mkdir(parents=True)
    (elsewhere / "second" / "precious").write_text("keep me\n")
    if (run_dir / planted).exists():
        shutil.rmtree(run_dir / planted)
    (run_dir / planted).symlink_to(elsewhere)

    with pytest.raises(LocalRunError, match="is a symlink"):
        execute(RELAY, "demo", run_dir, RunOptions(**selected), quiet())  # type: ignore[arg-type]
    assert (elsewhere / "second" / "precious").read_text() == "keep me\n"


@needs_root
def test_a_run_directory_of_another_user_is_refused(tmp_path: Path) -> None:
    """A run directory made first by someone else (--run-dir /tmp/run): its owner decides
    where this run's files go, and reads them."""
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    (run_dir / ".modelcar-run").touch()
    os.chown(run_dir, 1000, 1000)
    with pytest.raises(LocalRunError, match="belongs to another user"):
        execute(RELAY, "demo", run_dir, RunOptions(), quiet())
    assert not (run_dir / "state.json").exists()


LISTER = task_document(
    "lister",
    workspaces=[{"name": "creds"}],
    results=[{"name": "keys"}],
    steps=[
        {
            "name": "list",
            "image": "tools",
            "command": ["sh", "-c", 'ls "$1" | tr "\\n" " " > "$2"', "sh"],
            "args": ["$(workspaces.creds.path)", "$(results.keys.path)"],
        }
    ],
)


def secret_run() -> dict[tuple[str, str], Mapping[str, Any]]:
    """A run whose one task lists the keys of the Secret "creds", bound as a workspace."""
    documents = pipeline_documents(
        {"lister": LISTER},
        [
            {
                "name": "lister",
                "taskRef": {"name": "lister"},
                "workspaces": [{"name": "creds", "workspace": "creds"}],
            }
        ],
    )
    pipeline = documents[("Pipeline", "demo")]
    documents[("Pipeline", "demo")] = {
        **pipeline,
        "spec": {**pipeline["spec"], "workspaces": [{"name": "creds"}]},
    }
    run = documents[("PipelineRun", "demo")]
    documents[("PipelineRun", "demo")] = {
        **run,
        "spec": {
            **run["spec"],
            "workspaces": [{"name": "creds", "secret": {"secretName": "creds"}}],
        },
    }
    return documents


def test_a_secret_given_as_a_dict_has_only_this_runs_keys(tmp_path: Path) -> None:
    """A Secret from a dict is written under the run directory; the keys an earlier run wrote
    there stayed, so the step saw a key (a credential) this run's Secret does not have."""
    run_dir = tmp_path / "run"
    before = RunOptions(secrets={"creds": {"old-token": "s3cret", "user": "me"}})
    assert execute(secret_run(), "demo", run_dir, before, quiet()).succeeded
    now = RunOptions(secrets={"creds": {"user": "me"}})
    result = execute(secret_run(), "demo", run_dir, now, quiet())
    assert result["lister"].results == {"keys": "user "}


INDEXED = task_document(
    "indexed",
    params=[{"name": "names", "type": "array"}],
    steps=[{"name": "run", "image": "tools", "command": ["echo", "$(params.names[3])"]}],
)


@pytest.mark.parametrize(
    "passed",
    [
        ["$(params.names[*])"],  # the Task's own $(params.names[3]) is past the end
        ["$(params.names[4])"],  # the pipeline's is
    ],
)
def test_an_array_index_past_the_end_fails_the_task_not_the_runner(
    tmp_path: Path, passed: list[str]
) -> None:
    """`--param names=` (an empty array) for a pipeline reading one element: the runner
    crashed with UnresolvedReference (exit 3). Tekton fails it as InvalidParamValue."""
    documents = pipeline_documents(
        {"indexed": INDEXED},
        [
            {
                "name": "indexed",
                "taskRef": {"name": "indexed"},
                "params": [{"name": "names", "value": passed}],
            }
        ],
        params=[{"name": "names", "type": "array"}],
    )
    options = RunOptions(params={"names": ["only"]})
    result = execute(documents, "demo", tmp_path / "run", options, quiet())
    assert result.reason == "Failed"
    assert result["indexed"].reason == "InvalidParamValue"
    assert "past the array's end" in result["indexed"].message


ARRAY_PROJECT = """
    from modelcar_dsl import Steps, command_step, pipeline, pipeline_run, task

    @task(image="registry.example/tools:1")
    def items(names: list[str]) -> Steps:
        \"\"\"List.\"\"\"
        return [command_step("list", ["sh", "-c", 'for a; do echo "item=$a"; done'], ["sh", names])]

    @pipeline()
    def listing(names: list[str] = ["x"]) -> None:
        \"\"\"Array params.\"\"\"
        items(names=names)

    listing_run = pipeline_run("listing", listing, timeout="1m")
"""


def test_cli_a_deeply_nested_json_param_exits_2(
    mini_project: Callable[..., MiniProject], tmp_path: Path
) -> None:
    """json.loads raises RecursionError, not ValueError, past ~1000 levels: exit 3 before."""
    project = mini_project(ARRAY_PROJECT)
    code, output = modelcar_run(project, tmp_path, "listing", "--param", "names=" + "[" * 5000)
    assert code == 2, output
    assert "--param names: not JSON" in output


def test_a_result_swapped_for_a_symlink_while_it_is_read_is_never_followed(
    tmp_path: Path,
) -> None:
    """With --user, a process the step left behind runs on as the step's user: it could swap
    a result for a symlink between the runner's "not a symlink" check and its open, and have
    the runner (root) read a file only root may as the result. Here a racer swaps it as
    fast as it can while the results are read again and again."""
    secret = tmp_path / "secret"
    secret.write_text("TOPSECRET")
    results = tmp_path / "results"
    results.mkdir()
    swap = (
        'cd "$1"; while :; do ln -sfn ../secret a; mv -T a out; echo plain > b; mv -T b out; done'
    )
    racer = subprocess.Popen(["sh", "-c", swap, "sh", str(results)])
    seen: set[str] = set()
    try:
        until = time.monotonic() + 3
        while time.monotonic() < until:
            seen.add(str(read_results({"results": [{"name": "out"}]}, results).get("out")))
    finally:
        racer.kill()
        racer.wait()
    assert "plain\n" in seen
    assert "TOPSECRET" not in seen


@needs_root
def test_sharing_a_volume_with_the_fsgroup_never_follows_a_swapped_in_symlink(
    tmp_path: Path,
) -> None:
    """fsGroup makes the runner (root) give the group every file of a volume. A process of
    the step's user left running in a claim can swap a file for a symlink to, say,
    /etc/shadow between the "not a symlink" check and the chown: that file would then be
    the group's to read and write. Here a racer swaps one as fast as it can."""
    victim = tmp_path / "victim"
    victim.write_text("root's\n")
    victim.chmod(0o600)
    volume = tmp_path / "volume"
    volume.mkdir()
    for index in range(50):
        (volume / f"file-{index}").write_text("data\n")
    swap = 'cd "$1"; while :; do ln -sfn "$2" a; mv -T a x; echo x > b; mv -T b x; done'
    racer = subprocess.Popen(["sh", "-c", swap, "sh", str(volume), str(victim)])
    try:
        until = time.monotonic() + 3
        while time.monotonic() < until:
            RunAs(1000, 1000, fs_group=4242).share_volume(volume)
    finally:
        racer.kill()
        racer.wait()
    assert (victim.stat().st_gid, victim.stat().st_mode & 0o777) == (0, 0o600)
    shared = (volume / "file-0").stat()
    assert (shared.st_gid, shared.st_mode & 0o060) == (4242, 0o060)


def test_only_after_a_killed_run_runs_the_task_instead_of_waiting_for_a_dead_parent(
    tmp_path: Path,
) -> None:
    """A run killed (SIGKILL) while `first` ran leaves it Running in state.json: `--only
    second` then waited for it, skipped second, and called the run a success (exit 0)."""
    documents = pipeline_documents(
        {"echo": ECHO},
        [
            {"name": "first", "taskRef": {"name": "echo"}},
            {"name": "second", "taskRef": {"name": "echo"}, "runAfter": ["first"]},
        ],
    )
    run_dir = tmp_path / "run"
    assert execute(documents, "demo", run_dir, RunOptions(), quiet()).succeeded
    state = json.loads((run_dir / "state.json").read_text())
    state["tasks"][0].update(status="Running", reason="", results={})
    (run_dir / "state.json").write_text(json.dumps(state))

    result = execute(documents, "demo", run_dir, RunOptions(only_task="second"), quiet())

    assert result["second"].status == "Succeeded", result["second"]
    assert result.outcome.tasks[1].attempts == 1


def test_cli_a_report_in_a_missing_directory_is_refused_before_the_run(
    mini_project: Callable[..., MiniProject], tmp_path: Path
) -> None:
    """The report was written after the run: a typo in its directory cost the whole run's
    outcome (exit 2 after running) instead of a usage error before it."""
    project = mini_project(CLI_PROJECT)
    report = tmp_path / "no-such-dir" / "report.json"
    code, output = modelcar_run(project, tmp_path, "one", "--report", str(report))
    assert code == 2, output
    assert "--report" in output
    assert not (tmp_path / "rd" / "state.json").exists()


def test_a_step_printing_more_than_a_result_holds_keeps_only_the_logs_tail(
    tmp_path: Path,
) -> None:
    """TaskResult.log read each step's whole log into memory: a step printing gigabytes
    (without a newline, here) took as much memory in the test using run_task."""
    printing = "head -c 40000000 /dev/zero | tr '\\0' a; echo; echo the end"
    result = run_task(command_task(), {"cmd": ["sh", "-c", printing]})
    assert result.succeeded
    assert len(result.log) < 20_000_000
    assert result.log.endswith("a\nthe end\n")
    assert "bytes left out; the whole log is" in result.log


@needs_root
def test_setpriv_is_not_found_on_the_steps_path(tmp_path: Path) -> None:
    """The runner started `setpriv` (as root) with the step's env, so it was looked up on the
    step's PATH: a step env PATH with a directory the step's user can write ran that user's
    "setpriv" as root."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    marker = tmp_path / "ran-as-root"
    fake = bin_dir / "setpriv"
    fake.write_text(f'#!/bin/sh\ntouch {marker}\nexec /usr/bin/setpriv "$@"\n')
    fake.chmod(0o755)
    path = f"{bin_dir}:/usr/bin:/bin"
    document = task_document(
        "pathy",
        steps=[
            {
                "name": "run",
                "image": "tools",
                "env": [{"name": "PATH", "value": path}],
                "command": ["id", "-u"],
            }
        ],
    )
    result = run_task(document, {}, user=(1000, 1000))
    assert result.log.splitlines()[1:] == ["1000"]
    assert not marker.exists()


@pytest.mark.parametrize(
    "directory",
    ["/tmp/a\0b", "relative\0x", "/proc/1/root/nowhere", "/tmp/" + "x" * 300 + "/y"],
)
def test_a_working_dir_from_a_param_that_cannot_be_used_fails_the_step(
    directory: str,
) -> None:
    """workingDir: $(params.dir) with a NUL, a name too long, or a place this user may not
    look: ValueError, OSError or PermissionError escaped the step and ended the run."""
    document = task_document(
        "where",
        params=[{"name": "dir"}],
        steps=[
            {"name": "run", "image": "tools", "workingDir": "$(params.dir)", "command": ["pwd"]}
        ],
    )
    result = run_task(document, {"dir": directory})
    assert result.status == "Failed"
    assert "cannot be used" in result.log or "does not exist" in result.log


@pytest.mark.skipif(shutil.which("podman") is None, reason="--containers needs podman")
def test_a_secret_workspace_is_mounted_read_only_in_the_container(tmp_path: Path) -> None:
    """A Secret's volume is read-only in a pod; mounted read-write, a step changed (here
    added to) the user's own directory of credentials."""
    image = busybox_base(tmp_path / "busybox", tools=("sh", "touch", "ls"))
    creds = tmp_path / "creds"
    creds.mkdir()
    (creds / "token").write_text("s3cret")
    writer = task_document(
        "lister",
        workspaces=[{"name": "creds"}],
        steps=[
            {
                "name": "write",
                "image": image,
                "script": "ls $(workspaces.creds.path)\ntouch $(workspaces.creds.path)/planted\n",
            }
        ],
    )
    documents = secret_run()
    documents[("Task", "lister")] = writer
    options = RunOptions(secrets={"creds": creds}, runtime=ContainerRuntime())

    result = execute(documents, "demo", tmp_path / "run", options, quiet())

    assert "token" in result["lister"].log
    assert result["lister"].status == "Failed"
    assert sorted(path.name for path in creds.iterdir()) == ["token"]


def test_a_sub_path_through_a_symlink_left_in_a_claim_is_refused(tmp_path: Path) -> None:
    """A claim keeps what steps leave in it, symlinks too: a subPath `cache/models` through a
    `cache` symlink had the runner make (and, with fsGroup, give away) a directory wherever
    the symlink pointed. The kubelet refuses such a subPath."""
    user = task_document(
        "user",
        workspaces=[{"name": "data"}],
        steps=[{"name": "run", "image": "tools", "command": ["true"]}],
    )
    documents = pipeline_documents(
        {"user": user},
        [
            {
                "name": "user",
                "taskRef": {"name": "user"},
                "workspaces": [{"name": "data", "workspace": "data", "subPath": "cache/models"}],
            }
        ],
    )
    pipeline = documents[("Pipeline", "demo")]
    documents[("Pipeline", "demo")] = {
        **pipeline,
        "spec": {**pipeline["spec"], "workspaces": [{"name": "data"}]},
    }
    run = documents[("PipelineRun", "demo")]
    binding = {"name": "data", "persistentVolumeClaim": {"claimName": "models"}}
    documents[("PipelineRun", "demo")] = {
        **run,
        "spec": {**run["spec"], "workspaces": [binding]},
    }
    run_dir = tmp_path / "run"
    (run_dir / "claims" / "models").mkdir(parents=True)
    (run_dir / ".modelcar-run").touch()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (run_dir / "claims" / "models" / "cache").symlink_to(elsewhere)

    with pytest.raises(LocalRunError, match="through a symlink"):
        execute(documents, "demo", run_dir, RunOptions(), quiet())
    assert list(elsewhere.iterdir()) == []


@pytest.mark.skipif(shutil.which("podman") is None, reason="--containers needs podman")
def test_a_read_only_root_leaves_tmp_read_only_as_a_pod_does(tmp_path: Path) -> None:
    """podman's --read-only mounts a writable /tmp, /run and /var/tmp unless told not to; a
    pod's read-only root has none, so a step writing /tmp passed here and failed there."""
    image = busybox_base(tmp_path / "busybox", tools=("sh", "touch"))
    writer = task_document(
        "writer",
        steps=[
            {
                "name": "write",
                "image": image,
                "command": ["sh", "-c", "touch /tmp/x"],
                "securityContext": {"readOnlyRootFilesystem": True},
            }
        ],
    )
    documents = pipeline_documents(
        {"writer": writer}, [{"name": "writer", "taskRef": {"name": "writer"}}]
    )
    options = RunOptions(runtime=ContainerRuntime())

    result = execute(documents, "demo", tmp_path / "run", options, quiet())

    assert result["writer"].status == "Failed"
    assert "/tmp/x" in result["writer"].log
