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

from modelcar_dsl import (
    Steps,
    VerifiesTls,
    check,
    command_step,
    pipeline,
    script_step,
    task,
)
from modelcar_dsl.errors import DefinitionError
from modelcar_dsl.target import Target
from tasks.push_to_quay import push_to_quay
from tests.conftest import MiniProject, run_modelcar

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


def test_a_switch_known_only_at_run_time_is_refused() -> None:
    @pipeline(workspaces=["source", "registry-auth"])
    def flow(verify: bool) -> None:
        push_to_quay(repository="org/model", tag="v1", expected_digest=DIGEST, tls_verify=verify)

    problems = check(flow, target=Target(fs_group=5, insecure_registries=frozenset({LAB})))
    assert [(p.rule, p.path) for p in problems] == [
        ("tls-verify-off", "spec.tasks[0].params[tls-verify]")
    ]
    assert "is $(params.verify), known only at run time" in problems[0].message


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
    assert outside.exit_code == 1
    lines = outside.stdout.splitlines()
    assert [line.rsplit(" [", 1)[1] for line in lines[:-1]] == [
        "tls-verify-off]",
        "tls-bypass]",
        "tls-verify-off]",
    ]
    assert "gitops/release.yaml:8: task/buildah spec.params[0].default" in lines[0]
    assert (
        "gitops/release.yaml:14: task/buildah spec.steps[0].env[0]: env PYTHONHTTPSVERIFY"
        in (lines[1])
    )
    assert "gitops/release.yaml:31: pipeline/release spec.tasks[0].params[0].value" in lines[2]
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
