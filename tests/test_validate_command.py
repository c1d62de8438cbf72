"""`modelcar validate` through the real CLI: what it reads, how it reports, and its exit codes."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import run_modelcar

TASK = """\
apiVersion: tekton.dev/v1
kind: Task
metadata:
  name: work
spec:
  params:
    - name: tag
  steps:
    - name: main
      image: busybox
"""
PIPELINE = """\
apiVersion: tekton.dev/v1
kind: Pipeline
metadata:
  name: flow
spec:
  tasks:
    - name: first
      taskRef:
        name: work
"""
CONFIG_MAP = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  a: b
"""


def _tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def test_a_clean_tree_exits_0_and_says_what_it_read(tmp_path: Path) -> None:
    fixed = PIPELINE + "      params:\n        - name: tag\n          value: v1\n"
    _tree(tmp_path, {"01-tasks/work.yaml": TASK, "02-pipeline/flow.yml": fixed})
    (tmp_path / "settings.yaml").write_text(CONFIG_MAP)
    result = run_modelcar("validate", ".", cwd=tmp_path)
    assert result.exit_code == 0, result.stdout
    assert result.stdout == (
        "0 errors, 0 warnings, 0 notes in 3 files (2 Tekton resources validated, 1 other "
        "document skipped)\n"
    )


def test_cross_file_problem_names_the_file_and_line(tmp_path: Path) -> None:
    """The Pipeline in one file misses a param the Task in another file requires."""
    _tree(tmp_path, {"tasks/work.yaml": TASK, "pipelines/flow.yaml": PIPELINE})
    result = run_modelcar("validate", "tasks", "pipelines", cwd=tmp_path)
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "pipelines/flow.yaml:7: run-time error: pipeline/flow spec.tasks[0].params: Task 'work' "
        "needs the param 'tag', which has no default [param-missing]",
        "1 error, 0 warnings, 0 notes in 2 files (2 Tekton resources validated, 0 other "
        "documents skipped)",
    ]


def test_every_problem_of_every_file_is_reported_together(tmp_path: Path) -> None:
    broken_task = TASK.replace("name: main", "name: Main").replace("image: busybox\n", "")
    _tree(tmp_path, {"a.yaml": broken_task, "b.yaml": PIPELINE + "      runAfter: [nope]\n"})
    result = run_modelcar("validate", ".", cwd=tmp_path)
    assert result.exit_code == 1
    rules = [line.rsplit("[", 1)[-1].rstrip("]") for line in result.stdout.splitlines()[:-1]]
    assert sorted(rules) == ["param-missing", "run-after", "step-image", "step-name"]
    assert result.stdout.splitlines()[-1].startswith("4 errors, 0 warnings, 0 notes in 2 files")


def test_json_report_for_tools(tmp_path: Path) -> None:
    _tree(tmp_path, {"all.yaml": TASK + "---\n" + PIPELINE})
    result = run_modelcar("validate", "--format", "json", "all.yaml", cwd=tmp_path)
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["summary"] == {
        "problems": 1,
        "errors": 1,
        "warnings": 0,
        "notes": 0,
        "files": 1,
        "validated": 2,
        "skipped": 0,
    }
    assert report["problems"] == [
        {
            "file": "all.yaml",
            "line": 18,
            "resource": "pipeline/flow",
            "path": "spec.tasks[0].params",
            "rule": "param-missing",
            "severity": "error",
            "origin": "run",
            "message": "Task 'work' needs the param 'tag', which has no default",
        }
    ]


def test_a_task_not_among_the_files_is_one_note_and_ignore_drops_it(tmp_path: Path) -> None:
    """A pipeline whose Tasks come from elsewhere (a cluster, a resolver) is no problem: one
    note says what was not checked, and `--ignore missing-reference` drops even that."""
    _tree(
        tmp_path,
        {"flow.yaml": PIPELINE + "    - name: second\n      taskRef:\n        name: work\n"},
    )
    noted = run_modelcar("validate", "flow.yaml", cwd=tmp_path)
    assert noted.exit_code == 0, noted.stdout
    assert noted.stdout.splitlines() == [
        "flow.yaml:9: note: pipeline/flow spec.tasks[0].taskRef.name: not among the files given, "
        "so the params, workspaces and results passed to them were not checked: Task 'work'. "
        "Add their files to check them [missing-reference]",
        "0 errors, 0 warnings, 1 note in 1 file (1 Tekton resource validated, 0 other "
        "documents skipped)",
    ]
    result = run_modelcar("validate", "--ignore", "missing-reference", "flow.yaml", cwd=tmp_path)
    assert result.exit_code == 0, result.stdout
    assert "[missing-reference]" not in result.stdout


def test_an_unknown_rule_or_an_empty_directory_is_a_usage_error(tmp_path: Path) -> None:
    _tree(tmp_path, {"flow.yaml": PIPELINE})
    unknown = run_modelcar("validate", "--ignore", "no-such-rule", "flow.yaml", cwd=tmp_path)
    assert unknown.exit_code == 2
    assert "no rule no-such-rule; rules: api-version" in unknown.stderr
    (tmp_path / "empty").mkdir()
    empty = run_modelcar("validate", "empty", cwd=tmp_path)
    assert empty.exit_code == 2
    assert "no .yaml or .yml files in empty" in empty.stderr
    missing = run_modelcar("validate", "nowhere", cwd=tmp_path)
    assert missing.exit_code == 2


def test_list_documents_and_hidden_directories(tmp_path: Path) -> None:
    """A `kind: List` is validated item by item with lines inside it; .git is not read."""
    items = "".join(
        "  - " + text.replace("\n", "\n    ").rstrip() + "\n" for text in (TASK, PIPELINE)
    )
    _tree(tmp_path, {"list.yaml": "apiVersion: v1\nkind: List\nitems:\n" + items})
    _tree(tmp_path, {".git/broken.yaml": "a: [\n"})
    result = run_modelcar("validate", ".", cwd=tmp_path)
    assert result.exit_code == 1
    assert result.stdout.startswith("list.yaml:20: run-time error: pipeline/flow spec.tasks[0]")
    assert "1 error, 0 warnings, 0 notes in 1 file (2 Tekton resources validated" in result.stdout


def test_syntax_error_is_a_problem_at_its_line(tmp_path: Path) -> None:
    _tree(tmp_path, {"bad.yaml": TASK + "  results: [\n"})
    result = run_modelcar("validate", "bad.yaml", cwd=tmp_path)
    assert result.exit_code == 1
    assert result.stdout.startswith("bad.yaml:12: error: ")
    assert result.stdout.splitlines()[0].endswith("[yaml-syntax]")


def test_v1beta1_fields_are_known_in_v1beta1_only(tmp_path: Path) -> None:
    """The seed's lost fsGroup: a v1beta1 podTemplate written into a v1 run."""
    run = """\
apiVersion: tekton.dev/{api}
kind: PipelineRun
metadata:
  generateName: flow-run-
spec:
  pipelineRef:
    name: flow
  params:
    - name: tag
      value: x
  podTemplate:
    securityContext:
      fsGroup: 1000970000
  timeout: 4h
"""
    flow = PIPELINE.replace("spec:\n", "spec:\n  params:\n    - name: tag\n") + (
        "      params:\n        - name: tag\n          value: $(params.tag)\n"
    )
    _tree(tmp_path, {"task.yaml": TASK, "flow.yaml": flow})
    (tmp_path / "run.yaml").write_text(run.format(api="v1beta1"))
    assert run_modelcar("validate", ".", cwd=tmp_path).exit_code == 0
    (tmp_path / "run.yaml").write_text(run.format(api="v1"))
    result = run_modelcar("validate", ".", cwd=tmp_path)
    assert result.exit_code == 1
    assert (
        "run.yaml:11: error: pipelinerun/flow-run- spec.podTemplate: 'podTemplate' is not a "
        "field of a "
        "tekton.dev/v1 PipelineRunSpec; Tekton refuses it; in v1 it is "
        "spec.taskRunTemplate.podTemplate [unknown-field]"
    ) in result.stdout.splitlines()
    assert "[run-fs-group]" in result.stdout
    assert "run.yaml:14: error: pipelinerun/flow-run- spec.timeout: " in result.stdout


def test_embedded_specs_and_cluster_tasks_are_checked_too(tmp_path: Path) -> None:
    """A run with an inline pipelineSpec whose inline taskSpec misses an image, calling a
    v1beta1 ClusterTask given among the files with a param it lacks, for a Tekton that still
    has ClusterTasks (before 1.0)."""
    cluster_task = TASK.replace("tekton.dev/v1", "tekton.dev/v1beta1").replace(
        "kind: Task", "kind: ClusterTask"
    )
    run = """\
apiVersion: tekton.dev/v1
kind: PipelineRun
metadata:
  generateName: inline-
spec:
  pipelineSpec:
    params:
      - name: tag
    tasks:
      - name: inline
        taskSpec:
          steps:
            - name: main
              script: echo "$TAG"
      - name: shared
        taskRef:
          name: work
          kind: ClusterTask
  taskRunTemplate:
    podTemplate:
      securityContext:
        fsGroup: 1000970000
  timeouts:
    pipeline: 1h
"""
    _tree(tmp_path, {"cluster-task.yaml": cluster_task, "run.yaml": run})
    result = run_modelcar(
        "validate", "--format", "json", "--tekton-version", "0.70", ".", cwd=tmp_path
    )
    found = {(p["file"], p["path"], p["rule"]) for p in json.loads(result.stdout)["problems"]}
    assert found == {
        ("run.yaml", "spec.pipelineSpec.tasks[0].taskSpec.steps[0].image", "step-image"),
        ("run.yaml", "spec.pipelineSpec.tasks[1].params", "param-missing"),
        ("run.yaml", "spec.params", "param-missing"),
    }


def test_a_mapping_where_a_list_belongs_is_reported_not_skipped(tmp_path: Path) -> None:
    """Tekton's strict decoding refuses these; rules that only read lists must not pass them."""
    pipeline = """\
apiVersion: tekton.dev/v1
kind: Pipeline
metadata: {name: gaps}
spec:
  workspaces: {name: source}
  tasks:
    - name: build
      taskSpec: {steps: [{name: build, image: busybox, script: echo build}]}
    - name: push
      runAfter: build
      when: {input: a, operator: in, values: [a]}
      params: {message: hi}
      taskSpec:
        results: {name: x}
        steps: [{name: push, image: busybox, script: echo push}]
"""
    _tree(tmp_path, {"gaps.yaml": pipeline})
    result = run_modelcar("validate", "--format", "json", "gaps.yaml", cwd=tmp_path)
    problems = json.loads(result.stdout)["problems"]
    assert [(p["line"], p["path"], p["rule"]) for p in problems] == [
        (5, "spec.workspaces", "field-type"),
        (10, "spec.tasks[1].runAfter", "field-type"),
        (11, "spec.tasks[1].when", "field-type"),
        (12, "spec.tasks[1].params", "field-type"),
        (14, "spec.tasks[1].taskSpec.results", "field-type"),
    ]
    assert (
        problems[1]["message"]
        == "'runAfter' of a tekton.dev/v1 PipelineTask must be a list, got the str 'build'; "
        "Tekton cannot decode it"
    )
