"""Turning TLS verification off is never one word: a TLS switch may be off only for a host the
project names in `[tool.modelcar] insecure_registries`, and scripts, commands and env that switch
verification off (the six layers of the team's second status report) are refused, in
`modelcar compile` and `modelcar validate` alike."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import pytest
import yaml

from modelcar_dsl import (
    ConfigMapEnv,
    SecretEnv,
    SecretVolume,
    Steps,
    VerifiesTls,
    VolumeClaim,
    check,
    command_step,
    pipeline,
    pipeline_run,
    script_step,
    task,
)
from modelcar_dsl.compiling.compiler import compile_task
from modelcar_dsl.diagnostics.errors import DefinitionError
from modelcar_dsl.model.specs import VolumeSource
from modelcar_dsl.model.target import Target
from modelcar_dsl.reading.validate_files import validate_files
from modelcar_tasks.push_to_quay import push_to_quay
from tests.conftest import REPO, MiniProject, run_modelcar

DIGEST = "sha256:" + "0" * 64
LAB = "registry.lab:5000"


def _rules(flow: object, insecure: frozenset[str] = frozenset()) -> list[tuple[str, str]]:
    target = Target(fs_group=5, insecure_registries=insecure)
    return [(p.rule, p.path) for p in check(flow, target=target)]


def test_push_with_verification_off_compiles_only_for_a_listed_host() -> None:
    @pipeline(workspaces=["source", "registry-auth"])
    def to_quay() -> None:
        push_to_quay(repository="org/model", tag="v1", expected_digest=DIGEST, tls_verify=False)

    @pipeline(workspaces=["source", "registry-auth"])
    def to_lab() -> None:
        push_to_quay(
            repository="org/model",
            tag="v1",
            expected_digest=DIGEST,
            registry_host=LAB,
            tls_verify=False,
        )

    off = [("tls-verify-off", "spec.tasks[0].params[3].value")]
    assert _rules(to_quay) == off
    assert _rules(to_quay, frozenset({LAB})) == off, "quay.io is not listed"
    assert _rules(to_lab) == [("tls-verify-off", "spec.tasks[0].params[4].value")]
    assert _rules(to_lab, frozenset({LAB})) == []


def test_a_switch_fed_by_a_pipeline_param_is_judged_where_its_value_is_known() -> None:
    """A pipeline param passed to the switch: its default is judged on the pipeline, each run's
    value on the run."""

    @pipeline(workspaces=["source", "registry-auth"])
    def flow(verify: bool = True) -> None:
        push_to_quay(repository="org/model", tag="v1", expected_digest=DIGEST, tls_verify=verify)

    assert _rules(flow) == []
    workspaces: dict[str, VolumeSource] = {
        "source": VolumeClaim(),
        "registry-auth": SecretVolume("auth"),
    }
    off = pipeline_run("push", flow, params={"verify": False}, workspaces=workspaces)
    problems = check(off, target=Target(fs_group=5))
    assert [(p.rule, p.resource, p.path) for p in problems] == [
        ("tls-verify-off", "pipelinerun/push-", "spec.params[0].value")
    ]
    assert "the run's verify='false' reaches tls-verify of pipeline task 'push-to-quay'" in (
        problems[0].message
    )
    on = pipeline_run("push", flow, params={"verify": True}, workspaces=workspaces)
    assert _rules(on) == []


@task(image="registry.example/tools:1")
def fetch(host: str, check_certificate: Annotated[bool, VerifiesTls("host")] = True) -> Steps:
    """A switch not named by Tekton's convention: the annotation alone says what it does."""
    return [command_step("main", ["true"])]


def test_an_annotated_switch_of_any_name_is_held_to_the_policy() -> None:
    @pipeline()
    def off() -> None:
        fetch(host="internal.example", check_certificate=False)

    @pipeline()
    def listed() -> None:
        fetch(host=LAB, check_certificate=False)

    problems = check(off, target=Target(fs_group=5))
    assert [(p.rule, p.path) for p in problems] == [
        ("tls-verify-off", "spec.tasks[0].params[check-certificate]")
    ]
    assert "turns TLS verification off for host internal.example" in problems[0].message
    assert _rules(listed, frozenset({LAB})) == []


def test_a_switch_must_be_bool_and_name_a_str_host_param() -> None:
    with pytest.raises(DefinitionError, match="VerifiesTls marks a bool param, not str"):

        @task(image="busybox")
        def wrong(host: str, verify: Annotated[str, VerifiesTls("host")] = "yes") -> Steps:
            return [command_step("main", ["true"])]

    with pytest.raises(DefinitionError, match="param 'hostname', which is not a str param"):

        @task(image="busybox")
        def missing(host: str, verify: Annotated[bool, VerifiesTls("hostname")] = True) -> Steps:
            return [command_step("main", ["true"])]


BYPASSES = {
    "curl -k": 'curl -k "https://registry/v2/"',
    "curl -sSk": "curl -sSk https://registry/v2/",
    "curl --insecure": "curl --insecure https://registry/v2/",
    "skopeo": "skopeo copy --dest-tls-verify=false oci:/ws/image:x docker://r/x:y",
    "podman": "podman push --tls-verify false r/x:y",
    "wget": "wget --no-check-certificate https://x/",
    "oc": "oc login --insecure-skip-tls-verify https://api:6443",
    "python env": "export PYTHONHTTPSVERIFY=0",
    "node env": "NODE_TLS_REJECT_UNAUTHORIZED=0 node run.js",
    "requests": "python3 -c 'import requests; requests.get(url, verify=False)'",
    "git": "GIT_SSL_NO_VERIFY=true git clone https://x/y",
    "git config": "git config --global http.sslVerify false",
    "ssl": "python3 -c 'import ssl; ssl._create_unverified_context()'",
}


@pytest.mark.parametrize("line", BYPASSES.values(), ids=list(BYPASSES))
def test_scripts_that_switch_verification_off_do_not_compile(
    line: str, mini_project: Callable[..., MiniProject]
) -> None:
    project = mini_project(
        """\
        from modelcar_dsl import pipeline, script_step, task


        @task(image="registry.example/tools:1")
        def hello() -> list:
            \"\"\"Hello.\"\"\"
            return [script_step("hello.sh")]  # <- here


        @pipeline()
        def flow() -> None:
            hello()
        """,
        script=f"#!/usr/bin/env bash\nset -euo pipefail\n# never do this: curl -k\n{line}\n",
    )
    result = project.compile()
    assert result.exit_code == 2, result.stderr
    assert f"flows/main.py:{project.line_of('# <- here')}: task/hello" in result.stderr
    assert "flows/hello.sh:4 turns TLS verification off" in result.stderr
    assert "[tls-bypass]" in result.stderr
    assert "1 problem found" in result.stderr, "the comment on line 3 is not a bypass"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("PYTHONHTTPSVERIFY", "0"),
        ("NODE_TLS_REJECT_UNAUTHORIZED", "0"),
        ("GIT_SSL_NO_VERIFY", "1"),
        ("CURL_CA_BUNDLE", ""),
    ],
)
def test_env_that_switches_verification_off_is_refused(name: str, value: str) -> None:
    @task(image="busybox")
    def tool() -> Steps:
        return [script_step("fixtures/hello.sh", env={name: value})]

    assert _rules(tool) == [("tls-bypass", f"spec.steps[0].env[{name}]")]


def test_the_task_librarys_own_steps_pass() -> None:
    """The push tasks pass `--dest-tls-verify=$TLS_VERIFY`: the switch is a param, held to the
    policy where it is set, never a word in the script."""
    assert _rules(push_to_quay) == []


HAND_WRITTEN = """\
apiVersion: tekton.dev/v1
kind: Task
metadata:
  name: buildah
spec:
  params:
    - name: TLSVERIFY
      default: "false"
    - name: registry
  steps:
    - name: build
      image: quay.io/buildah/stable
      env:
        - name: PYTHONHTTPSVERIFY
          value: "0"
      script: |
        #!/bin/sh
        buildah push --tls-verify=$(params.TLSVERIFY) image
---
apiVersion: tekton.dev/v1
kind: Pipeline
metadata:
  name: release
spec:
  tasks:
    - name: push-lab
      taskRef:
        name: buildah
      params:
        - name: TLSVERIFY
          value: "false"
        - name: registry
          value: {host}
"""


def test_validate_reports_hand_written_bypasses_and_honours_the_projects_hosts(
    tmp_path: Path,
) -> None:
    tree = tmp_path / "gitops"
    tree.mkdir()
    (tree / "release.yaml").write_text(HAND_WRITTEN.format(host=LAB))
    outside = run_modelcar("validate", "gitops", "--ignore", "script-variable", cwd=tmp_path)
    assert outside.exit_code == 0, "policy warnings fail validate only with --strict"
    strict = ("validate", "--strict", "gitops", "--ignore", "script-variable")
    assert run_modelcar(*strict, cwd=tmp_path).exit_code == 1
    lines = outside.stdout.splitlines()
    assert [line.rsplit(" [", 1)[1] for line in lines[:-1]] == [
        "tls-verify-off]",
        "tls-bypass]",
        "tls-verify-off]",
    ]
    assert "gitops/release.yaml:8: warning: task/buildah spec.params[0].default" in lines[0]
    assert (
        "gitops/release.yaml:14: warning: task/buildah spec.steps[0].env[0]: env "
        "PYTHONHTTPSVERIFY" in (lines[1])
    )
    assert (
        "gitops/release.yaml:31: warning: pipeline/release spec.tasks[0].params[0].value"
        in lines[2]
    )
    (tmp_path / "pyproject.toml").write_text(
        textwrap.dedent(
            f"""\
            [tool.modelcar]
            modules = ["flows"]
            insecure_registries = ["{LAB}"]
            """
        )
    )
    inside = run_modelcar("validate", "gitops", "--ignore", "script-variable", cwd=tmp_path)
    assert [line.rsplit(" [", 1)[1] for line in inside.stdout.splitlines()[:-1]] == [
        "tls-verify-off]",
        "tls-bypass]",
    ], "the pipeline task names a listed host; the Task's default still turns it off"


def test_insecure_registries_must_be_hosts(mini_project: Callable[..., MiniProject]) -> None:
    project = mini_project("")
    settings = project.root / "pyproject.toml"
    settings.write_text(settings.read_text() + 'insecure_registries = "registry.lab:5000"\n')
    result = project.compile()
    assert result.exit_code == 2
    assert "insecure_registries must list hosts (host or host:port)" in result.stderr


BYPASSES_FILE = REPO / "tests" / "fixtures" / "tls-bypasses.yaml"


def test_every_spelling_of_switching_verification_off_is_reported() -> None:
    """A line continued with a backslash, a script without a shebang, false spelt 0 or f, curl
    split into command and args, Python's integer falses and os.environ, git reading
    GIT_SSL_NO_VERIFY=false as set, a switch given 0 or fed by a pipeline param defaulting to
    false, a run's pod template env; and nothing for a Task that keeps verification on."""
    report = validate_files([BYPASSES_FILE])
    found = sorted(
        (problem.resource, problem.rule, problem.location.line if problem.location else 0)
        for problem in report.problems
    )
    assert sorted({(resource, rule) for resource, rule, _ in found}) == [
        ("pipeline/b7-params", "tls-verify-off"),
        ("pipelinerun/p-", "tls-bypass"),
        ("task/b1-continuation", "tls-bypass"),
        ("task/b2-no-shebang", "tls-bypass"),
        ("task/b3-skopeo-zero", "tls-bypass"),
        ("task/b4-split-args", "tls-bypass"),
        ("task/b5-python", "tls-bypass"),
        ("task/b6-git-env", "tls-bypass"),
        ("task/control", "tls-bypass"),
    ]
    python = [p.message for p in report.problems if p.resource == "task/b5-python"]
    assert [message.split(" turns")[0] for message in python] == [
        "script line 3",
        "script line 5",
        "script line 6",
        "script line 8",
    ]
    assert len([p for p in report.problems if p.resource == "pipelinerun/p-"]) == 2


def test_a_run_turning_off_a_switch_through_a_pipeline_param_is_reported(
    tmp_path: Path,
) -> None:
    document = tmp_path / "run.yaml"
    document.write_text(
        BYPASSES_FILE.read_text().split("---\napiVersion: tekton.dev/v1\nkind: Pipeline\n")[0]
        + textwrap.dedent(
            """\
            ---
            apiVersion: tekton.dev/v1
            kind: Pipeline
            metadata:
              name: push
            spec:
              params:
                - name: verification
              tasks:
                - name: push
                  taskRef:
                    name: buildah-like
                  params:
                    - name: IMAGE
                      value: quay.io/org/x
                    - name: TLSVERIFY
                      value: $(params.verification)
            ---
            apiVersion: tekton.dev/v1
            kind: PipelineRun
            metadata:
              generateName: push-
            spec:
              pipelineRef:
                name: push
              params:
                - name: verification
                  value: "false"
              taskRunTemplate:
                podTemplate:
                  securityContext:
                    fsGroup: 1000970000
              timeouts:
                pipeline: 4h
            """
        )
    )
    problems = [p for p in validate_files([document]).problems if p.resource.startswith("pipe")]
    assert [(p.resource, p.path, p.rule) for p in problems] == [
        ("pipelinerun/push-", "spec.params[0].value", "tls-verify-off")
    ]


@pytest.mark.parametrize(
    ("arguments", "internal"),
    [
        ({"registry_host": "evil.example.com", "tls_verify": False}, True),
        (
            {"repository": "registry.lab/model", "registry_host": "quay.io", "tls_verify": False},
            False,
        ),
        ({"tag": "registry.lab", "tls_verify": False}, False),
    ],
    ids=["unlisted host given, listed default", "listed host in another param", "in the tag"],
)
def test_only_the_host_params_decide(arguments: dict[str, object], internal: bool) -> None:
    """The host a switch is off for is the call's host param (given, else its default), never a
    listed host that appears in some other param."""
    from modelcar_tasks.push_to_internal_registry import (
        INTERNAL_REGISTRY_HOST,
        push_to_internal_registry,
    )

    push = push_to_internal_registry if internal else push_to_quay
    listed = frozenset({INTERNAL_REGISTRY_HOST, "registry.lab"})
    given = {"repository": "org/model", "tag": "v1", "expected_digest": DIGEST, **arguments}

    @pipeline(workspaces=["source", "registry-auth"])
    def flow() -> None:
        push(**given)  # type: ignore[arg-type]

    assert [rule for rule, _ in _rules(flow, listed)] == ["tls-verify-off"]


def test_a_host_known_only_at_run_time_does_not_allow_an_off_switch() -> None:
    @pipeline(workspaces=["source", "registry-auth"])
    def flow(host: str) -> None:
        push_to_quay(
            repository="org/model",
            tag="v1",
            expected_digest=DIGEST,
            registry_host=host,
            tls_verify=False,
        )

    assert [rule for rule, _ in _rules(flow, frozenset({LAB}))] == ["tls-verify-off"]


def test_a_plain_http_url_for_a_host_not_listed_does_not_compile() -> None:
    from modelcar_tasks.pipelines import modelcar_build_deploy
    from pipelines.catalogue import MISTRAL_24B_QUANTIZED

    def run(url: str) -> object:
        return pipeline_run(
            "build",
            modelcar_build_deploy,
            params={
                "model": MISTRAL_24B_QUANTIZED,
                "internal_repository": "ns/model",
                "quay_repository": "org/model",
                "registry_url": url,
            },
            workspaces={
                "source": VolumeClaim(),
                "registry-auth": SecretVolume("auth"),
            },
        )

    problems = check(run("http://model-registry.svc:8080"), target=Target(fs_group=5))
    assert [(p.rule, p.path) for p in problems] == [("tls-verify-off", "spec.params[6].value")] * 2
    reached = ["check-release", "register-model"]
    assert all(
        f"pipeline task '{task}'" in p.message for p, task in zip(problems, reached, strict=True)
    )
    assert (
        _rules(run("http://model-registry.svc:8080"), frozenset({"model-registry.svc:8080"})) == []
    )
    assert _rules(run("https://model-registry.svc:8443")) == []


FED_SWITCH = """\
apiVersion: tekton.dev/v1
kind: Task
metadata:
  name: push
spec:
  params:
    - name: registry-host
    - name: tls-verify
      default: "true"
  steps:
    - name: push
      image: quay.io/skopeo/stable
      script: echo push
---
apiVersion: tekton.dev/v1
kind: Pipeline
metadata:
  name: release
spec:
  params:
    - name: cache-host
      default: registry.lab:5000
    - name: settings
      type: object
      properties:
        verify: {{type: string}}
      default:
        verify: "true"
    - name: verification
      default: "true"
  tasks:
    - name: push
      taskRef:
        name: push
      params:
        - name: registry-host
          value: quay.io
        - name: tls-verify
          value: {switch}
---
apiVersion: tekton.dev/v1
kind: PipelineRun
metadata:
  generateName: release-
spec:
  pipelineRef:
    name: release
  params:
    - name: {given}
      value: {value}
  taskRunTemplate:
    podTemplate:
      securityContext:
        fsGroup: 1000970000
  timeouts:
    pipeline: 4h
"""


@pytest.mark.parametrize(
    ("switch", "given", "value"),
    [
        ("$(params.verification)", "verification", '"false"'),
        ("\"$(params['verification'])\"", "verification", '"0"'),
        ("$(params.settings.verify)", "settings", "{verify: 'false'}"),
    ],
    ids=["dot form", "bracket form", "object key"],
)
def test_a_switch_a_run_turns_off_is_judged_by_the_host_of_the_task_it_reaches(
    tmp_path: Path, switch: str, given: str, value: str
) -> None:
    """The run lists a host elsewhere (the pipeline's cache-host defaults to a listed one); the
    push the switch reaches goes to quay.io, which is not listed."""
    (tmp_path / "pyproject.toml").write_text(
        f'[tool.modelcar]\nmodules = ["flows"]\ninsecure_registries = ["{LAB}"]\n'
    )
    (tmp_path / "release.yaml").write_text(
        FED_SWITCH.format(switch=switch, given=given, value=value)
    )
    result = run_modelcar("validate", "--strict", "release.yaml", cwd=tmp_path)
    assert result.exit_code == 1, result.stdout
    assert f"pipelinerun/release- spec.params[0].value: the run's {given}=" in result.stdout
    assert "reaches tls-verify of pipeline task 'push', turning TLS verification off" in (
        result.stdout
    )


def test_env_from_a_secret_or_configmap_that_can_only_switch_verification_off_is_refused(
    tmp_path: Path,
) -> None:
    """A variable with no other use, set from a key the project does not see: compile and
    validate agree; a CA bundle path from a ConfigMap is trust, not a bypass."""

    @task(
        image="busybox",
        env=[
            ConfigMapEnv("GIT_SSL_NO_VERIFY", config_map="git", key="skip"),
            ConfigMapEnv("CURL_CA_BUNDLE", config_map="trust", key="path"),
        ],
    )
    def clone() -> Steps:
        return [
            script_step(
                "fixtures/hello.sh",
                env_from=[SecretEnv("PYTHONHTTPSVERIFY", secret="python", key="verify")],
            )
        ]

    assert _rules(clone) == [
        ("tls-bypass", "spec.steps[0].env[PYTHONHTTPSVERIFY]"),
        ("tls-bypass", "spec.stepTemplate.env[GIT_SSL_NO_VERIFY]"),
    ]
    document = tmp_path / "task.yaml"
    document.write_text(yaml.safe_dump(compile_task(clone.spec, Target())))
    assert sorted(
        (problem.path, problem.rule) for problem in validate_files([document]).problems
    ) == [
        ("spec.stepTemplate.env[0]", "tls-bypass"),
        ("spec.steps[0].env[0]", "tls-bypass"),
    ]


def test_each_task_carries_the_projects_insecure_hosts_for_its_steps() -> None:
    """The steps enforce the same list at run time; without a list, nothing is added."""
    listed = compile_task(push_to_quay.spec, Target(insecure_registries=frozenset({LAB, "b:1"})))
    env = listed["spec"]["stepTemplate"]["env"]
    assert {"name": "INSECURE_HOSTS", "value": f"b:1,{LAB}"} in env
    plain = compile_task(push_to_quay.spec, Target())["spec"]["stepTemplate"]["env"]
    assert [entry for entry in plain if entry["name"] == "INSECURE_HOSTS"] == []


def test_a_param_that_becomes_an_env_switch_is_refused_in_compile_and_validate(
    tmp_path: Path,
) -> None:
    """Every param reaches the steps as an env var of its name: a param named
    node_tls_reject_unauthorized is a switch whose value the run decides."""

    @task(image="node")
    def fetch_page(url: str, node_tls_reject_unauthorized: str = "1") -> Steps:
        return [command_step("main", ["node", "fetch.js"])]

    assert _rules(fetch_page) == [("tls-bypass", "spec.params")]
    document = tmp_path / "task.yaml"
    document.write_text(yaml.safe_dump(compile_task(fetch_page.spec, Target())))
    assert [(p.rule, p.path) for p in validate_files([document]).problems] == [
        ("tls-bypass", "spec.stepTemplate.env[1]")
    ]


def test_a_switch_set_from_a_task_result_is_refused() -> None:
    """A result is known only when the run reaches it: it could turn verification off for any
    host, so a switch takes a literal or a pipeline param (which each run is held to)."""

    @task(image="busybox", results=["verify"])
    def decide() -> Steps:
        return [command_step("main", ["true"])]

    @pipeline(workspaces=["source", "registry-auth"])
    def flow() -> None:
        decision = decide()
        push_to_quay(
            repository="org/model",
            tag="v1",
            expected_digest=DIGEST,
            tls_verify=decision.results.verify,
        )

    problems = check(flow, target=Target(fs_group=5))
    assert [(p.rule, p.path) for p in problems] == [
        ("tls-verify-off", "spec.tasks[1].params[3].value")
    ]
    assert "known only when the run reaches it" in problems[0].message
