"""`modelcar validate` on hostile and odd files: each is a finding at its line (exit 1) or bad
input in one line (exit 2), never a traceback; reading stays linear in the file's size."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from modelcar_dsl.reading.yaml_source import (
    MAX_ALIAS_VALUES,
    YamlLimitError,
    YamlSyntaxError,
    load_documents,
)
from modelcar_dsl.rules.validate import is_validated_kind
from tests.conftest import CliResult, run_modelcar

TASK = """\
apiVersion: tekton.dev/v1
kind: Task
metadata:
  name: work
spec:
  steps:
    - name: main
      image: busybox
"""
LAUGHS = "".join(
    f"{name}: &{name} [{','.join([f'*{previous}'] * 9)}]\n"
    for previous, name in zip("abcdefgh", "bcdefghi", strict=True)
)
BILLION_LAUGHS = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + LAUGHS


def _validate(tmp_path: Path, text: str | bytes, *args: str) -> CliResult:
    file = tmp_path / "input.yaml"
    if isinstance(text, bytes):
        file.write_bytes(text)
    else:
        file.write_text(text, encoding="utf-8")
    return run_modelcar("validate", *args, "input.yaml", cwd=tmp_path)


def _only_finding(result: CliResult) -> str:
    assert result.exit_code == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr == ""
    return result.stdout.splitlines()[0]


def test_a_raw_control_character_is_a_syntax_finding_at_its_line(tmp_path: Path) -> None:
    text = TASK.replace("image: busybox", "image: busy\x01box")
    assert _only_finding(_validate(tmp_path, text)) == (
        "input.yaml:8: error: character U+0001: control characters are not allowed in YAML; "
        "write it "
        'escaped in a double-quoted string ("\\x01") [yaml-syntax]'
    )


def test_escaped_control_characters_reach_the_report_escaped(tmp_path: Path) -> None:
    """A name with an escape sequence and a newline cannot paint the terminal or split the
    report's lines."""
    text = TASK.replace("name: work", 'name: "w\\e[2J\\nx"')
    result = _validate(tmp_path, text)
    line = _only_finding(result)
    assert line.startswith("input.yaml:4: error: task/w\\x1b[2J\\nx metadata.name: ")
    assert result.stdout.count("\n") == 2
    assert all(line.isprintable() for line in result.stdout.splitlines())


def test_an_integer_past_pythons_conversion_limit_is_a_limit_finding(tmp_path: Path) -> None:
    text = TASK + "      args: [" + "7" * 5_000 + "]\n"
    assert _only_finding(_validate(tmp_path, text)) == (
        "input.yaml:9: error: a number of 5,000 characters; no Kubernetes field holds a number "
        "beyond 64 bits: quote it if it is text [yaml-limit]"
    )
    quoted = TASK + '      args: ["' + "7" * 5_000 + '"]\n'
    assert _validate(tmp_path, quoted).exit_code == 0


def test_a_file_that_is_not_utf8_is_a_finding_at_its_line(tmp_path: Path) -> None:
    text = TASK.replace("busybox", "caf\xe9").encode("latin-1")
    assert _only_finding(_validate(tmp_path, text)) == (
        "input.yaml:8: error: not UTF-8 text: incomplete UTF-8 octet sequence [yaml-syntax]"
    )


def test_lists_where_strings_or_mappings_belong_are_findings(tmp_path: Path) -> None:
    pipeline = """\
apiVersion: tekton.dev/v1
kind: Pipeline
metadata:
  name: flow
spec:
  tasks:
    - name: first
      taskRef: {name: work}
    - name: second
      runAfter: [[first]]
      taskRef: {name: work}
      workspaces:
        - name: data
          workspace: [shared]
      params:
        - name: [tag]
          value: x
"""
    result = _validate(tmp_path, TASK + "---\n" + pipeline, "--format", "json")
    assert result.exit_code == 1, result.stderr
    found = {(p["line"], p["path"], p["rule"]) for p in json.loads(result.stdout)["problems"]}
    assert {
        (19, "spec.tasks[1].runAfter[0]", "field-type"),
        (23, "spec.tasks[1].workspaces[0].workspace", "field-type"),
        (25, "spec.tasks[1].params[0].name", "missing-field"),
    } <= found


def test_an_unreadable_file_is_bad_input_in_one_line(tmp_path: Path) -> None:
    """/proc/self/mem is a regular file that fails to read (EIO), even for root."""
    if not Path("/proc/self/mem").exists():
        pytest.skip("needs Linux /proc")
    (tmp_path / "broken.yaml").symlink_to("/proc/self/mem")
    result = run_modelcar("validate", "broken.yaml", cwd=tmp_path)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith("error: broken.yaml: cannot be read (")
    assert result.stderr.count("\n") == 1


def test_a_fifo_is_bad_input_not_a_hang(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.yaml")
    result = run_modelcar("validate", "pipe.yaml", cwd=tmp_path)
    assert result.exit_code == 2
    assert result.stderr == (
        "error: pipe.yaml: not a regular file; name YAML files or directories\n"
    )


def test_a_file_over_the_size_cap_is_bad_input(tmp_path: Path) -> None:
    config_map = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: big}\ndata:\n"
    text = config_map + "".join(f"  key{i}: {'v' * 60}\n" for i in range(20_000))
    assert 2**20 < len(text) < 2 * 2**20
    capped = _validate(tmp_path, text, "--max-file-mib", "1")
    assert capped.exit_code == 2
    assert capped.stderr == (
        "error: input.yaml: 1.4 MiB is over the 1 MiB a file may have; pass --max-file-mib to "
        "read bigger files\n"
    )
    assert _validate(tmp_path, text).exit_code == 0


def test_billion_laughs_in_a_task_is_refused_and_elsewhere_skipped(tmp_path: Path) -> None:
    """342 bytes that expand to a billion strings: refused where validate reads them, never
    read at all in a document of a kind it skips."""
    assert len(BILLION_LAUGHS) == 342
    alone = _validate(tmp_path, BILLION_LAUGHS)
    assert alone.exit_code == 0
    assert alone.stdout.endswith("(0 Tekton resources validated, 1 other document skipped)\n")
    in_task = (
        TASK
        + "      args:\n"
        + "".join(
            "        " + line
            for line in [
                "- &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n",
                *(
                    f"- &{n} [{', '.join([f'*{p}'] * 9)}]\n"
                    for p, n in zip("abcdefgh", "bcdefghi", strict=True)
                ),
            ]
        )
    )
    line = _only_finding(_validate(tmp_path, in_task))
    assert line.endswith(
        'values in this file (a "billion laughs"); write the values out, or alias less [yaml-limit]'
    )
    assert line.startswith("input.yaml:15: error: aliases repeat more than 100,000 values")


def test_a_recursive_alias_is_a_clear_error(tmp_path: Path) -> None:
    assert _only_finding(_validate(tmp_path, "a: &a [*a]\n")) == (
        "input.yaml:1: error: alias *a is inside the node its anchor &a names (a recursive alias), "
        "which never ends; write the value out [yaml-limit]"
    )


def test_deep_nesting_is_refused_before_the_parser_slows_down(tmp_path: Path) -> None:
    """libyaml takes the square of the depth: 200,000 brackets would take minutes."""
    text = TASK + "      args: " + "[" * 200_000 + "]" * 200_000 + "\n"
    assert _only_finding(_validate(tmp_path, text)) == (
        "input.yaml:9: error: nested more than 100 levels deep; no Tekton resource needs that "
        "many, so the file is not read [yaml-limit]"
    )


def test_a_document_that_is_a_list_of_tasks_is_validated(tmp_path: Path) -> None:
    items = "".join(
        "- " + TASK.replace("name: work", f"name: {name}").replace("\n", "\n  ").rstrip() + "\n"
        for name in ("one", "Two")
    )
    result = _validate(tmp_path, items)
    assert _only_finding(result).startswith(
        "input.yaml:12: error: task/Two metadata.name: name 'Two'"
    )
    assert result.stdout.splitlines()[-1] == (
        "1 error, 0 warnings, 0 notes in 1 file (2 Tekton resources validated, 0 other "
        "documents skipped)"
    )


def test_documents_of_skipped_kinds_are_not_read() -> None:
    """The ConfigMap's data comes before its kind (as kubectl writes keys) and holds what
    reading it would refuse: an undefined alias and a 5,000-digit number."""
    config_map = "apiVersion: v1\ndata:\n  a: *nowhere\n  b: " + "1" * 5_000 + "\nkind: ConfigMap\n"
    loaded = load_documents(config_map + "---\n" + TASK, is_validated_kind)
    assert loaded.skipped == 1
    assert [resource.body["metadata"]["name"] for resource in loaded.resources] == ["work"]
    with pytest.raises(YamlSyntaxError, match="undefined alias"):
        load_documents(config_map)
    listed = (
        "apiVersion: v1\nitems:\n"
        + "".join(
            "  - " + text.replace("\n", "\n    ").rstrip() + "\n" for text in (config_map, TASK)
        )
        + "kind: List\n"
    )
    loaded = load_documents(listed, is_validated_kind)
    assert (loaded.skipped, len(loaded.resources)) == (1, 1)
    assert loaded.resources[0].line_of("spec.steps[0].image") == 15


def test_an_alias_points_at_its_anchors_lines() -> None:
    """Two Tasks in one list document share their steps through an alias: one copy, whose
    fields are found at the anchor's lines; the alias itself at its own line."""
    again = TASK.replace("name: work", "name: again").split("  steps:")[0] + "  steps: *steps\n"
    text = "".join(
        "- " + task.replace("\n", "\n  ").rstrip() + "\n"
        for task in (TASK.replace("  steps:\n", "  steps: &steps\n"), again)
    )
    first, second = load_documents(text).resources
    assert second.body["spec"]["steps"] is first.body["spec"]["steps"]
    assert second.line_of("spec.steps") == 14
    assert second.line_of("spec.steps[0].image") == first.line_of("spec.steps[0].image") == 8


def test_lines_of_keys_with_dots_merge_keys_and_duplicates() -> None:
    text = """\
base: &base
  image: busybox
  name: main
task:
  metadata:
    annotations:
      tekton.dev/pipelines.minVersion: "0.50"
  step:
    <<: *base
    name: other
    name: last
"""
    (resource,) = load_documents(text).resources
    assert resource.body["task"]["step"] == {"image": "busybox", "name": "last"}
    assert resource.line_of("task.metadata.annotations.tekton.dev/pipelines.minVersion") == 7
    assert resource.line_of("task.step.image") == 2
    assert resource.line_of("task.step.name") == 11
    assert resource.line_of("task.step.missing") == 8
    assert resource.duplicate_keys == (("task.step.name", 11),)


def test_values_are_what_kubernetes_reads() -> None:
    """Keys are strings as written, dates and binary stay text; other tags are errors."""
    (resource,) = load_documents(
        "1: a\ntrue: b\nwhen: 2024-01-01\nraw: !!binary aGk=\nn: ~\nf: 1.5\n"
    ).resources
    assert resource.body == {
        "1": "a",
        "true": "b",
        "when": "2024-01-01",
        "raw": "aGk=",
        "n": None,
        "f": 1.5,
    }
    for text, message in [
        ("a: !custom x\n", "unknown tag !custom"),
        ("? [a]\n: b\n", "a mapping key is a list or mapping"),
        ("a: " + str(2**64) + "\n", "beyond 64 bits"),
        ("a: !!int x\n", "cannot be read as an integer"),
    ]:
        with pytest.raises(YamlSyntaxError, match=message):
            load_documents(text)


def test_aliases_may_repeat_up_to_the_limit() -> None:
    """100,000 repeated values is the limit for the whole file; below it, aliases share."""
    big = "a: &a [" + ", ".join(["x"] * 99) + "]\nb: [" + ", ".join(["*a"] * 999) + "]\n"
    (resource,) = load_documents(big).resources
    assert all(item is resource.body["a"] for item in resource.body["b"])
    assert MAX_ALIAS_VALUES == 100_000
    with pytest.raises(YamlLimitError, match="repeat more than 100,000") as raised:
        load_documents(big + "c: [" + ", ".join(["*a"] * 2) + "]\n")
    assert raised.value.line == 3


def test_a_kind_known_only_through_an_alias_or_merge_key_is_read() -> None:
    """The first pass cannot tell these kinds, so the resources are read to find out."""
    merged = "base: &base {apiVersion: tekton.dev/v1, kind: Task}\n<<: *base\nmetadata: {name: m}\n"
    aliased = "- &task\n  " + TASK.replace("\n", "\n  ").rstrip() + "\n- *task\n"
    loaded = load_documents(merged + "---\n" + aliased, is_validated_kind)
    assert [resource.body.get("kind") for resource in loaded.resources] == ["Task"] * 3
    assert loaded.resources[2].body is loaded.resources[1].body
    assert loaded.skipped == 0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"[tool.modelcar]\nmodules = ['caf\xe9']\n", "not UTF-8 text"),
        (b"[tool.modelcar]\nfs_group = " + b"1" * 5_000 + b"\n", "not valid TOML"),
        (b"tool = 1\n# [tool.modelcar]\n", "add a [tool.modelcar] table"),
    ],
)
def test_broken_project_settings_are_bad_input_for_validate(
    tmp_path: Path, content: bytes, message: str
) -> None:
    (tmp_path / "pyproject.toml").write_bytes(content)
    (tmp_path / "task.yaml").write_text(TASK)
    result = run_modelcar("validate", "task.yaml", cwd=tmp_path)
    assert result.exit_code == 2
    assert result.stderr.startswith("error: pyproject.toml: ")
    assert message in result.stderr
    assert result.stderr.count("\n") == 1
