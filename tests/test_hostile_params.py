"""Hostile values through every param of every task, compiled for the project and run by
`run_task`.

Each run sets one param to a hostile value (command substitution, backticks, `;`, a newline,
`a[$(...)]` for bash arithmetic, quotes, an option as a value, `..`, paths leading out of the
workspace, an absolute path) and the others to working values, against the same real tools and
stand-ins as the task tests, so a value gets as far into the scripts as it can. After each run:

- nothing the payloads would run has run: each would create one marker file, which is absent;
- nothing outside the workspace changed: the directory around it (a sentinel tree, the other
  workspaces) is byte for byte what it was;
- a refused value stopped its step with exit code 2 and a message naming the param; a path or
  number param (declared `WorkspacePath` or `Between`) refuses every one of them.

The Kubernetes API and the Model Registry cannot run here: their stand-ins are the contract-based
ones of the task tests (`tests/kserve_server.py`, `tests/model_registry_server.py`).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest

from modelcar_dsl.compiling.compiler import compile_task
from modelcar_dsl.model.param_checks import Between
from modelcar_dsl.model.specs import TaskSpec
from modelcar_dsl.project.loading import load_project
from modelcar_dsl.project.local_run import run_task
from modelcar_dsl.project.settings import read_settings
from modelcar_dsl.running.local import TaskResult
from tests.conftest import REPO
from tests.evaluation_tools import GUIDELLM_REPORT, LM_EVAL_REPORT, stand_in
from tests.hub_server import HubStandIn, running_hub
from tests.kserve_server import SERVICE, kubernetes, service_account
from tests.model_registry_server import TOKEN, ModelRegistryStandIn, running_model_registry
from tests.oci_images import busybox_base, require_tool
from tests.registry_server import Registry, running_registry
from tests.tls import LoopbackAuthority, make_authority

HOSTILE = (
    "$(touch {marker})",
    "`touch {marker}`",
    "x; touch {marker}",
    "x\ntouch {marker}",
    "a[$(touch {marker})]",
    "x'; touch {marker}; '",
    'x"; touch {marker}; "',
    "x && touch {marker} #",
    "--tls-verify=false",
    "..",
    "../outside",
    "model/../../outside/model",
    "{outside}",
    "modèle-é",
)
ParamValue = str | list[str]
"""A string or array param's value."""
IMAGE_REF = "quay.io/private-ai-demo/mistral-24b-quantized@sha256:" + "a" * 64
SETTINGS = read_settings(REPO / "pyproject.toml")
TASKS: dict[str, TaskSpec] = {task.name: task for task in load_project(SETTINGS).tasks}
DOCUMENTS: dict[str, dict[str, Any]] = {
    name: compile_task(task, SETTINGS.target()) for name, task in TASKS.items()
}
"""Each Task as `modelcar compile` writes it, by name."""


@attrs.frozen
class RunInputs:
    """One task run's params, workspaces, environment and Secrets, with working values."""

    params: dict[str, ParamValue]
    workspaces: dict[str, Path | None]
    env: dict[str, str] = attrs.Factory(dict)
    secrets: dict[str, dict[str, str]] = attrs.Factory(dict)

    def run(self, task_name: str, **params: ParamValue) -> TaskResult:
        """Run `task_name` with these inputs, `params` (by Tekton name) replacing some."""
        return run_task(
            DOCUMENTS[task_name],
            {**self.params, **params},
            self.workspaces,
            env=self.env,
            secrets=self.secrets,
        )


Scenario = Callable[[Path, Path], RunInputs]
"""(root around the workspace, a directory outside root for tools) -> working inputs."""


@attrs.frozen
class Parts:
    """The running stand-ins and prepared inputs every scenario draws on."""

    authority: LoopbackAuthority
    hub: HubStandIn
    registry: Registry
    model_registry: ModelRegistryStandIn
    kserve: dict[str, Any]
    base: str
    built: Path
    digest: str


@pytest.fixture(scope="module")
def parts(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Parts]:
    require_tool("skopeo", "skopeo")
    authority = make_authority(tmp_path_factory.mktemp("tls"))
    ca_bundle = tmp_path_factory.mktemp("ca-bundle")
    (ca_bundle / "ca-bundle.crt").write_bytes(authority.ca_cert.read_bytes())
    base = busybox_base(tmp_path_factory.mktemp("busybox"))
    built = tmp_path_factory.mktemp("built")
    (built / "model").mkdir()
    (built / "model" / "weights.safetensors").write_bytes(b"\x05" * 4096)
    build = run_task(
        DOCUMENTS["build-modelcar-image"],
        {"base-image": base},
        {"source": built, "registry-auth": None, "ca-bundle": None},
    )
    assert build.exit_code == 0, build.log
    files = {"config.json": b"{}", "model.safetensors": b"\x07" * 2048}
    with (
        running_hub(HubStandIn("org/model", files)) as hub,
        running_registry(tmp_path_factory.mktemp("registry")) as registry,
        running_model_registry(authority) as model_registry,
        kubernetes(authority, ready_after=0) as kserve,
    ):
        registered = run_task(
            DOCUMENTS["register-model"],
            {
                "registry-url": model_registry.base_url,
                "model-name": "Hostile-Model",
                "version-name": "v1",
                "image-ref": IMAGE_REF,
            },
            {"ca-bundle": ca_bundle},
            env={"SERVICE_ACCOUNT_DIR": "/nonexistent"},
            secrets={"model-registry-token": {"token": TOKEN}},
        )
        assert registered.exit_code == 0, registered.log
        yield Parts(
            authority,
            hub,
            registry,
            model_registry,
            kserve,
            base,
            built,
            str(build.results["image-digest"]),
        )


def _ca_bundle(parts: Parts, root: Path) -> Path:
    bundle = root / "ca-bundle"
    bundle.mkdir()
    (bundle / "ca-bundle.crt").write_bytes(parts.authority.ca_cert.read_bytes())
    return bundle


def _scenarios(parts: Parts) -> dict[str, Scenario]:
    def download(root: Path, tools: Path) -> RunInputs:
        return RunInputs(
            {"source": "hf://org/model", "hf-endpoint": parts.hub.base_url},
            {"source": root / "ws", "ca-bundle": None},
            env={"RETRY_DELAY_SECONDS": "0", "INSECURE_HOSTS": parts.hub.host},
        )

    def build(root: Path, tools: Path) -> RunInputs:
        shutil.copytree(parts.built / "model", root / "ws" / "model")
        return RunInputs(
            {"base-image": parts.base},
            {"source": root / "ws", "registry-auth": None, "ca-bundle": None},
        )

    def push(root: Path, tools: Path) -> RunInputs:
        shutil.copytree(parts.built / "image", root / "ws" / "image")
        return RunInputs(
            {
                "registry-host": parts.registry.host,
                "repository": "private-ai-demo/hostile",
                "tag": "v1",
                "expected-digest": parts.digest,
                "retries": "1",
            },
            {
                "source": root / "ws",
                "registry-auth": parts.registry.write_authfile(root / "auth"),
                "ca-bundle": parts.registry.write_ca_bundle(root / "ca-bundle"),
            },
            env={"RETRY_DELAY_SECONDS": "0", "SERVICE_ACCOUNT_DIR": str(tools / "none")},
        )

    def register(root: Path, tools: Path) -> RunInputs:
        return RunInputs(
            {
                "registry-url": parts.model_registry.base_url,
                "model-name": "Hostile-Model",
                "version-name": "v1",
                "image-ref": IMAGE_REF,
            },
            {"ca-bundle": _ca_bundle(parts, root)},
            env={"SERVICE_ACCOUNT_DIR": str(tools / "none")},
            secrets={"model-registry-token": {"token": TOKEN}},
        )

    def check_release(root: Path, tools: Path) -> RunInputs:
        bundle = parts.registry.write_ca_bundle(root / "ca-bundle")
        with (bundle / "ca-bundle.crt").open("ab") as certificates:
            certificates.write(parts.authority.ca_cert.read_bytes())
        return RunInputs(
            {
                "expected-digest": parts.digest,
                "tag": "v1",
                "internal-registry-host": parts.registry.host,
                "internal-repository": "private-ai-demo/hostile",
                "quay-host": parts.registry.host,
                "quay-repository": "modelcar/hostile",
                "registry-url": parts.model_registry.base_url,
                "model-name": "Hostile-Model",
                "version-name": "unreleased",
            },
            {"registry-auth": parts.registry.write_authfile(root / "auth"), "ca-bundle": bundle},
            env={"SERVICE_ACCOUNT_DIR": str(tools / "none")},
            secrets={"model-registry-token": {"token": TOKEN}},
        )

    def publish(root: Path, tools: Path) -> RunInputs:
        results = root / "ws" / "results"
        results.mkdir(parents=True)
        (results / "lm-eval.metrics.json").write_text('{"lm-eval/arc_easy/acc": 0.8}')
        inputs = register(root, tools)
        return RunInputs(
            {key: inputs.params[key] for key in ("registry-url", "model-name", "version-name")},
            {"source": root / "ws", **inputs.workspaces},
            inputs.env,
            inputs.secrets,
        )

    def wait(root: Path, tools: Path) -> RunInputs:
        return RunInputs(
            {"inference-service": SERVICE, "wait-seconds": "5"},
            {"ca-bundle": None},
            env={
                "KUBERNETES_SERVICE_HOST": "localhost",
                "KUBERNETES_SERVICE_PORT": str(parts.kserve["port"]),
                "SERVICE_ACCOUNT_DIR": str(service_account(tools / "sa", parts.authority)),
                "POLL_SECONDS": "0",
            },
        )

    def evaluate(tool: str, report: str) -> Scenario:
        def scenario(root: Path, tools: Path) -> RunInputs:
            stand_in(tools / "bin", tool, report)
            (tools / "record").mkdir()
            params: dict[str, ParamValue] = {
                "endpoint": "https://mistral.private-ai-demo.svc",
                "model-id": SERVICE,
                "tokenizer": "org/tokenizer",
            }
            if tool == "lm_eval":
                params["tasks"] = ["arc_easy"]
            return RunInputs(
                params,
                {"source": root / "ws", "ca-bundle": None},
                env={
                    "PATH": f"{tools / 'bin'}:{os.environ['PATH']}",
                    "RECORD": str(tools / "record"),
                },
                secrets={"inference-token": {"token": "endpoint-token"}},
            )

        return scenario

    lm_eval_report = (
        f'mkdir -p "$out/m"\necho \'{json.dumps(LM_EVAL_REPORT)}\' > "$out/m/results_1.json"\n'
    )
    return {
        "download-model": download,
        "build-modelcar-image": build,
        "push-to-internal-registry": push,
        "push-to-quay": push,
        "check-release": check_release,
        "register-model": register,
        "publish-results": publish,
        "wait-for-inference-service": wait,
        "run-lm-eval": evaluate("lm_eval", lm_eval_report),
        "run-guidellm": evaluate("guidellm", f"echo '{json.dumps(GUIDELLM_REPORT)}' > \"$out\"\n"),
    }


def _snapshot(root: Path) -> dict[str, tuple[str, int, str]]:
    """Every path under `root` but the workspace, links not followed: kind, mode, content."""
    found: dict[str, tuple[str, int, str]] = {}
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if relative.parts[0] == "ws":
            continue
        mode = path.lstat().st_mode
        if path.is_symlink():
            found[str(relative)] = ("link", mode, str(path.readlink()))
        elif path.is_file():
            found[str(relative)] = ("file", mode, hashlib.sha256(path.read_bytes()).hexdigest())
        else:
            found[str(relative)] = ("dir", mode, "")
    return found


def _sentinels(root: Path) -> None:
    """A tree beside the workspace that escaping paths would reach: a model, an image, a file."""
    (root / "ws").mkdir(parents=True)
    (root / "outside" / "model").mkdir(parents=True)
    (root / "outside" / "model" / "weights.safetensors").write_bytes(b"outside")
    (root / "outside" / "image").mkdir()
    (root / "outside" / "image" / "index.json").write_text("{}")
    (root / "outside" / "notes.txt").write_text("not the workspace's")


def _values(task: TaskSpec, param_name: str, marker: Path, outside: Path) -> list[ParamValue]:
    param = next(p for p in task.params if p.name == param_name)
    values: list[ParamValue] = [value.format(marker=marker, outside=outside) for value in HOSTILE]
    for check in param.checks:
        if isinstance(check, Between):
            values += [str(check.low - 1), str(check.high + 1), "1e3", "0x10", " 1", "+1"]
    if param.type == "array":
        return [[value] for value in values if isinstance(value, str)]
    return values


CASES = sorted(
    (document_name, param["name"])
    for document_name in TASKS
    for param in DOCUMENTS[document_name]["spec"].get("params", [])
)


def test_every_task_and_param_is_swept() -> None:
    assert {task for task, _ in CASES} == set(TASKS)
    assert len(CASES) >= 50


@pytest.mark.parametrize(("task_name", "param_name"), CASES, ids=[f"{t}.{p}" for t, p in CASES])
def test_hostile_values_run_nothing_and_change_nothing_outside_the_workspace(
    parts: Parts, task_name: str, param_name: str
) -> None:
    task = TASKS[task_name]
    param = next(p for p in task.params if p.name == param_name)
    strict = bool(param.checks)
    scenario = _scenarios(parts)[task_name]
    with tempfile.TemporaryDirectory(prefix="hostile-") as scratch:
        for number, value in enumerate(
            _values(task, param_name, Path(scratch) / "marker", Path(scratch) / "outside")
        ):
            root = Path(scratch) / f"run-{number}"
            marker = root / "ran"
            _sentinels(root)
            tools = Path(scratch) / f"tools-{number}"
            tools.mkdir()
            inputs = scenario(root, tools)
            value = _retarget(value, root)
            before = _snapshot(root)
            run = inputs.run(task_name, **{param_name: value})
            where = f"{task_name} {param_name}={value!r}:\n{run.log}"
            assert not marker.exists(), f"a payload ran: {where}"
            assert "Traceback" not in run.log, f"not explained: {where}"
            assert _snapshot(root) == before, f"something outside the workspace changed: {where}"
            if run.exit_code == 2:
                assert f"error: {param_name} " in run.log, where
            if strict:
                assert run.exit_code == 2, f"not refused: {where}"
            if task_name == "wait-for-inference-service":
                _assert_only_the_service_was_read(parts)


@pytest.mark.parametrize(
    ("task_name", "param_name", "value"),
    [
        ("download-model", "hf-endpoint", "https://127.0.0.1/modèle"),
        ("download-model", "source", "hf://org/modèle"),
        ("register-model", "registry-url", "https://127.0.0.1/modèle"),
    ],
)
def test_a_letter_outside_ascii_is_refused_not_a_crash(
    parts: Parts, tmp_path: Path, task_name: str, param_name: str, value: str
) -> None:
    """urllib cannot put such a letter in a request line: the step must say so, not crash."""
    root = tmp_path / "root"
    _sentinels(root)
    inputs = _scenarios(parts)[task_name](root, tmp_path / "tools")
    run = inputs.run(task_name, **{param_name: value})
    assert run.exit_code == 2, run.log
    assert f"error: {param_name} '{value}' is not" in run.log
    assert "Traceback" not in run.log


def _retarget(value: ParamValue, root: Path) -> ParamValue:
    """The values were written for the scratch directory; aim them at this run's root."""
    if not isinstance(value, str):
        return [str(_retarget(item, root)) for item in value]
    return value.replace(str(root.parent / "marker"), str(root / "ran")).replace(
        str(root.parent / "outside"), str(root / "outside")
    )


def _assert_only_the_service_was_read(parts: Parts) -> None:
    prefix = "/apis/serving.kserve.io/v1beta1/namespaces/private-ai-demo/inferenceservices/"
    paths = parts.kserve["paths"]
    assert all(path.startswith(prefix) or path == "/served/v1/models" for path in paths), paths
    assert all("/" not in path.removeprefix(prefix) for path in paths if path.startswith(prefix))


@pytest.mark.parametrize(
    ("task_name", "param_name"),
    [
        ("download-model", "model-dir"),
        ("build-modelcar-image", "model-dir"),
        ("build-modelcar-image", "image-path"),
        ("push-to-quay", "image-path"),
        ("publish-results", "results-dir"),
        ("run-guidellm", "results-dir"),
    ],
)
def test_a_link_inside_the_workspace_is_not_followed_out_of_it(
    parts: Parts, task_name: str, param_name: str, tmp_path: Path
) -> None:
    """A path param naming a symbolic link (or a directory below one) that leads out of the
    workspace is refused before anything is read or removed."""
    scenario = _scenarios(parts)[task_name]
    for number, value in enumerate(["escape", "escape/model"]):
        root = tmp_path / f"run-{number}"
        _sentinels(root)
        (tmp_path / f"tools-{number}").mkdir()
        inputs = scenario(root, tmp_path / f"tools-{number}")
        (root / "ws" / "escape").symlink_to(root / "outside")
        before = _snapshot(root)
        run = inputs.run(task_name, **{param_name: value})
        assert run.exit_code == 2, run.log
        assert f"error: {param_name} '{value}' leads to {root / 'outside'}" in run.log
        assert _snapshot(root) == before


def _plant_outside_link(model: Path) -> None:
    (model / "stolen.txt").symlink_to(model.parent.parent / "outside" / "notes.txt")


def _plant_fifo(model: Path) -> None:
    os.mkfifo(model / "pipe")


@pytest.mark.parametrize(
    ("plant", "expected"),
    [
        (_plant_outside_link, ["stolen.txt is a symbolic link to", "outside the workspace"]),
        (_plant_fifo, ["pipe is not a regular file or directory"]),
    ],
    ids=["a link leading out of the workspace would publish that file", "a FIFO would block"],
)
def test_a_model_entry_that_is_no_file_of_the_workspace_is_not_packed(
    parts: Parts, tmp_path: Path, plant: Callable[[Path], None], expected: list[str]
) -> None:
    root = tmp_path / "root"
    _sentinels(root)
    inputs = _scenarios(parts)["build-modelcar-image"](root, tmp_path)
    plant(root / "ws" / "model")
    run = run_task(DOCUMENTS["build-modelcar-image"], inputs.params, inputs.workspaces)
    assert (run.exit_code, run.failed_step) == (1, "add-model-layer"), run.log
    for message in expected:
        assert message in run.log
    assert not (root / "ws" / "image").exists()


def test_file_names_a_source_lists_stay_inside_the_model_directory(tmp_path: Path) -> None:
    """The Hub's listing is input too: `../` in a file name, or a name below a link inside the
    model directory, is refused before any file is written."""
    root = tmp_path / "root"
    _sentinels(root)
    (root / "ws" / "model").mkdir()
    (root / "ws" / "model" / "sub").symlink_to(root / "outside")
    for name in ("../escape.bin", "sub/notes.txt", "a//b", "/etc/passwd"):
        with running_hub(HubStandIn("org/model", {name: b"x", "ok.json": b"{}"})) as hub:
            before = _snapshot(root)
            run = run_task(
                DOCUMENTS["download-model"],
                {"source": "hf://org/model", "hf-endpoint": hub.base_url},
                {"source": root / "ws", "ca-bundle": None},
                env={"RETRY_DELAY_SECONDS": "0", "INSECURE_HOSTS": hub.host},
            )
        assert run.exit_code == 2, run.log
        assert "error: file " in run.log
        assert _snapshot(root) == before
        assert not (root / "ws" / "model" / "ok.json").exists()


def test_overlapping_image_and_model_paths_are_refused_before_anything_is_removed(
    parts: Parts, tmp_path: Path
) -> None:
    for number, (model_dir, image_path) in enumerate(
        [
            ("model", "model"),
            ("model", "model/image"),
            ("model/sub", "model"),
            ("image.partial", "image"),
        ]
    ):
        root = tmp_path / f"run-{number}"
        _sentinels(root)
        inputs = _scenarios(parts)["build-modelcar-image"](root, tmp_path)
        if model_dir != "model":
            (root / "ws" / "model").rename(root / "ws" / "moved")
            (root / "ws" / model_dir).parent.mkdir(parents=True, exist_ok=True)
            (root / "ws" / "moved").rename(root / "ws" / model_dir)
        weights = sorted((root / "ws").rglob("weights.safetensors"))
        run = run_task(
            DOCUMENTS["build-modelcar-image"],
            {**inputs.params, "model-dir": model_dir, "image-path": image_path},
            inputs.workspaces,
        )
        assert run.exit_code == 2, run.log
        assert "overlap" in run.log
        assert sorted((root / "ws").rglob("weights.safetensors")) == weights


def _victim(root: Path) -> Path:
    """A private file beside the workspace that a planted link points at."""
    victim = root / "outside" / "secret.key"
    victim.write_text("SECRET\n")
    victim.chmod(0o600)
    return victim


def _untouched(victim: Path) -> bool:
    return victim.read_text() == "SECRET\n" and victim.stat().st_mode & 0o777 == 0o600


def test_a_link_planted_at_the_archives_partial_name_is_replaced_not_followed(
    parts: Parts, tmp_path: Path
) -> None:
    root = tmp_path / "root"
    _sentinels(root)
    victim = _victim(root)
    inputs = _scenarios(parts)["build-modelcar-image"](root, tmp_path)
    (root / "ws" / "image.tar.partial").symlink_to(victim)
    run = run_task(
        DOCUMENTS["build-modelcar-image"],
        {**inputs.params, "image-format": "oci-archive", "image-path": "image.tar"},
        inputs.workspaces,
    )
    assert run.exit_code == 0, run.log
    assert _untouched(victim)
    assert (root / "ws" / "image.tar").is_file() and not (root / "ws" / "image.tar").is_symlink()
    assert not list((root / "ws").glob(".skopeo-tmp.*")), "skopeo's unpacked copy is removed"


def test_links_planted_at_the_downloads_working_files_are_not_followed(tmp_path: Path) -> None:
    """The partial file of a download and the manifest's partial file have names anyone can
    predict; a link there must not make the download write, or chmod, a file outside."""
    root = tmp_path / "root"
    _sentinels(root)
    victim = _victim(root)
    files = {"config.json": b'{"model_type": "mistral"}', "weights.bin": b"\x01" * 4096}
    parts_dir = root / "ws" / ".download"
    parts_dir.mkdir()
    part = parts_dir / (hashlib.sha256(b"config.json").hexdigest() + ".part")
    part.symlink_to(victim)
    (root / "ws" / "model-manifest.json.partial").symlink_to(victim)
    with running_hub(HubStandIn("org/model", files)) as hub:
        run = run_task(
            DOCUMENTS["download-model"],
            {"source": "hf://org/model", "hf-endpoint": hub.base_url},
            {"source": root / "ws", "ca-bundle": None},
            env={"RETRY_DELAY_SECONDS": "0", "INSECURE_HOSTS": hub.host},
        )
    assert run.exit_code == 0, run.log
    assert _untouched(victim)
    config = root / "ws" / "model" / "config.json"
    assert not config.is_symlink() and config.read_bytes() == files["config.json"]


def test_a_server_sending_more_than_it_lists_is_stopped_at_the_listed_size(
    tmp_path: Path,
) -> None:
    files = {"weights.bin": b"\x02" * (1 << 20)}
    with running_hub(HubStandIn("org/model", files, listed_sizes={"weights.bin": 10})) as hub:
        run = run_task(
            DOCUMENTS["download-model"],
            {"source": "hf://org/model", "hf-endpoint": hub.base_url},
            {"source": tmp_path, "ca-bundle": None},
            env={"RETRY_DELAY_SECONDS": "0", "INSECURE_HOSTS": hub.host},
        )
    assert run.exit_code == 1
    assert "the server sent more than the 10 bytes it lists; not writing past them" in run.log
    assert "retrying" not in run.log
    assert all(part.stat().st_size <= 10 for part in (tmp_path / ".download").iterdir())


def test_links_in_the_results_directory_are_neither_written_nor_read(
    parts: Parts, tmp_path: Path
) -> None:
    """The evaluation writes <results-dir>/<tool>.metrics.json and publish-results reads
    *.metrics.json: a link there leads to a file outside the workspace either way."""
    root = tmp_path / "evaluate"
    _sentinels(root)
    victim = _victim(root)
    (tmp_path / "tools").mkdir()
    inputs = _scenarios(parts)["run-guidellm"](root, tmp_path / "tools")
    (root / "ws" / "results").mkdir()
    (root / "ws" / "results" / "guidellm.metrics.json").symlink_to(victim)
    run = inputs.run("run-guidellm")
    assert run.exit_code == 0, run.log
    assert _untouched(victim)
    root = tmp_path / "publish"
    _sentinels(root)
    leaked = root / "outside" / "quota.json"
    leaked.write_text('{"budget_eur": 125000}')
    inputs = _scenarios(parts)["publish-results"](root, tmp_path / "tools")
    (root / "ws" / "results" / "lm-eval.metrics.json").unlink()
    (root / "ws" / "results" / "lm-eval.metrics.json").symlink_to(leaked)
    run = inputs.run("publish-results")
    assert run.exit_code == 1
    assert "no *.metrics.json files in" in run.log
    assert not any("budget_eur" in str(request) for request in parts.model_registry.requests)


@pytest.mark.parametrize(
    ("task_name", "param", "value"),
    [
        ("run-lm-eval", "limit", "1e3"),
        ("run-guidellm", "data", "prompt_tokens=512;rm"),
        ("run-guidellm", "max-seconds", "0"),
    ],
)
def test_a_refused_value_leaves_the_previous_report_in_place(
    parts: Parts, tmp_path: Path, task_name: str, param: str, value: str
) -> None:
    root = tmp_path / "root"
    _sentinels(root)
    (tmp_path / "tools").mkdir()
    inputs = _scenarios(parts)[task_name](root, tmp_path / "tools")
    tool = "lm-eval" if task_name == "run-lm-eval" else "guidellm"
    previous = root / "ws" / "results" / tool / "report.json"
    previous.parent.mkdir(parents=True)
    previous.write_text("{}")
    run = inputs.run(task_name, **{param: value})
    assert run.exit_code == 2, run.log
    assert f"error: {param} " in run.log
    assert previous.read_text() == "{}"


FAKE_SKOPEO = """#!/usr/bin/env bash
printf '%s\\n' "$*" >> "$RECORD/skopeo"
printf '{"Name": "image", "Digest": "%s"}\\n' "$FAKE_DIGEST"
if [[ " $* " == *" --tmpdir "* ]]; then
  tmp=$(sed -E 's/.*--tmpdir ([^ ]+).*/\\1/' <<< "$*")
  [[ -d $tmp ]] && ls -A "$tmp" > /dev/null
fi
"""


def test_skopeo_unpacks_an_archive_into_a_fresh_directory_on_the_workspace(
    parts: Parts, tmp_path: Path
) -> None:
    """skopeo does not read TMPDIR: the steps pass --tmpdir, a new directory on the workspace
    (never the pod's disk, never a link planted there), removed when the step ends."""
    workspace = tmp_path / "ws"
    (workspace / "image.tar").parent.mkdir()
    (workspace / "image.tar").write_bytes(b"an archive")
    (workspace / ".tmp").symlink_to(tmp_path)
    tools = tmp_path / "bin"
    tools.mkdir()
    (tools / "skopeo").write_text(FAKE_SKOPEO)
    (tools / "skopeo").chmod(0o755)
    run = run_task(
        DOCUMENTS["push-to-quay"],
        {
            "repository": "org/model",
            "tag": "v1",
            "expected-digest": parts.digest,
            "image-path": "image.tar",
        },
        {"source": workspace, "registry-auth": tmp_path, "ca-bundle": None},
        env={
            "PATH": f"{tools}:{os.environ['PATH']}",
            "RECORD": str(tmp_path),
            "FAKE_DIGEST": parts.digest,
        },
        steps=["preflight"],
    )
    assert run.exit_code == 0, run.log
    calls = (tmp_path / "skopeo").read_text().splitlines()
    assert len(calls) == 1
    assert calls[0].startswith(f"--tmpdir {workspace}/.skopeo-tmp.")
    assert calls[0].endswith(f"inspect oci-archive:{workspace}/image.tar:modelcar")
    assert not list(workspace.glob(".skopeo-tmp.*"))


def test_a_nested_index_fanning_out_is_verified_once_per_blob(parts: Parts, tmp_path: Path) -> None:
    """Three levels of an index listing the next one 2,000 times: each blob is read and checked
    once, so a 419-byte index.json cannot make verification run for hours."""
    workspace = tmp_path / "ws"
    shutil.copytree(parts.built / "image", workspace / "image")
    blobs = workspace / "image" / "blobs" / "sha256"
    image_blobs = len(list(blobs.iterdir()))
    index = json.loads((workspace / "image" / "index.json").read_text())
    child = index["manifests"][0]
    for _ in range(3):
        body = json.dumps(
            {
                "schemaVersion": 2,
                "mediaType": "application/vnd.oci.image.index.v1+json",
                "manifests": [child] * 2000,
            }
        ).encode()
        digest = hashlib.sha256(body).hexdigest()
        (blobs / digest).write_bytes(body)
        child = {
            "mediaType": "application/vnd.oci.image.index.v1+json",
            "digest": f"sha256:{digest}",
            "size": len(body),
        }
    index["manifests"].append(child)
    (workspace / "image" / "index.json").write_text(json.dumps(index))
    run = run_task(
        DOCUMENTS["build-modelcar-image"],
        {},
        {"source": workspace, "registry-auth": None, "ca-bundle": None},
        steps=["verify"],
    )
    assert run.exit_code == 0, run.log
    assert f"Verified {image_blobs + 3} blobs against their sha256 digests" in run.log
