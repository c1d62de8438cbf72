"""Runs with only a `generateName` listed in a kustomization: `kubectl apply -k` refuses them
(https://github.com/kubernetes/kubectl/blob/master/pkg/cmd/apply/apply.go: "cannot use
generate name with apply"), which is how the team's runs kept being created by GitOps syncs.
Kustomize reads `resources` files, and directories through their own kustomization file
(https://github.com/kubernetes-sigs/kustomize/blob/master/api/konfig/general.go names them);
Tekton runs are meant to be created with generateName
(https://github.com/tektoncd/pipeline/blob/v1.15.0/docs/pipelineruns.md)."""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

from modelcar_dsl.reading.validate_files import validate_files
from tests.conftest import REPO

RULE = "kustomization-run"
RUN = """\
apiVersion: tekton.dev/v1
kind: PipelineRun
metadata:
  generateName: build-
spec:
  pipelineRef:
    name: build
"""
TASK_RUN = """\
apiVersion: tekton.dev/v1
kind: TaskRun
metadata:
  generateName: work-
spec:
  taskRef:
    name: work
"""
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


def _tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def _findings(*paths: Path) -> list[tuple[str, int, str]]:
    """(file relative to the first path, line, field path) of each kustomization-run problem."""
    base = paths[0] if paths[0].is_dir() else paths[0].parent
    return [
        (os.path.relpath(problem.location.file, base), problem.location.line, problem.path)
        for problem in validate_files(list(paths)).problems
        if problem.rule == RULE and problem.location is not None
    ]


def test_apply_refuses_a_listed_pipeline_run_with_only_a_generate_name(tmp_path: Path) -> None:
    """The problem is at the kustomization's line listing the run, and says what to do."""
    root = _tree(
        tmp_path,
        {
            "kustomization.yaml": "resources:\n  - task.yaml\n  - runs/build.yaml\n",
            "task.yaml": TASK,
            "runs/build.yaml": RUN,
        },
    )
    report = validate_files([root])
    [problem] = [p for p in report.problems if p.rule == RULE]
    assert problem.location is not None
    assert (problem.location.file, problem.location.line) == (str(root / "kustomization.yaml"), 3)
    assert problem.path == "resources[1]"
    assert (problem.origin, problem.severity) == ("apply", "error")
    assert "runs/build.yaml holds a PipelineRun with only generateName 'build-'" in problem.message
    assert "cannot use generate name with apply" in problem.message
    assert "oc create -f" in problem.message
    assert report.failed()


def test_a_listed_task_run_with_only_a_generate_name_is_refused_too(tmp_path: Path) -> None:
    """TaskRuns are created the same way; a `kind: List` and a second document are read."""
    root = _tree(
        tmp_path,
        {
            "kustomization.yml": "resources:\n- runs.yaml\n",
            "runs.yaml": TASK
            + "---\nkind: List\napiVersion: v1\nitems:\n- "
            + TASK_RUN.replace("\n", "\n  ").rstrip()
            + "\n",
        },
    )
    assert _findings(root) == [("kustomization.yml", 2, "resources[0]")]


def test_a_run_with_a_name_can_be_applied(tmp_path: Path) -> None:
    """Apply needs a name; with one (generateName beside it is then unused) it applies."""
    named = RUN.replace("generateName: build-", "name: build-1")
    both = RUN.replace("generateName: build-", "name: build-2\n  generateName: build-")
    root = _tree(
        tmp_path,
        {
            "kustomization.yaml": "resources: [named.yaml, both.yaml]\n",
            "named.yaml": named,
            "both.yaml": both,
        },
    )
    assert _findings(root) == []


def test_a_run_beside_a_kustomization_but_not_listed_is_no_problem(tmp_path: Path) -> None:
    """Only what `resources` lists is applied; runs kept next to it for `oc create` are fine."""
    root = _tree(
        tmp_path,
        {"kustomization.yaml": "resources:\n  - task.yaml\n", "task.yaml": TASK, "run.yaml": RUN},
    )
    assert _findings(root) == []


def test_a_run_is_found_through_a_listed_directorys_own_kustomization(tmp_path: Path) -> None:
    """Kustomize reads a listed directory through its kustomization file (`Kustomization`
    too): the line listing the run is reported, naming the kustomization applying it."""
    root = _tree(
        tmp_path / "tree",
        {
            "app/kustomization.yaml": "resources:\n  - ../runs\n",
            "runs/Kustomization": "resources:\n  - build.yaml\n",
            "runs/build.yaml": RUN,
        },
    )
    report = validate_files([root / "app", root / "runs" / "build.yaml"])
    [problem] = [p for p in report.problems if p.rule == RULE]
    assert problem.location is not None
    assert (problem.location.file, problem.location.line) == (
        str(root / "runs" / "Kustomization"),
        2,
    )
    assert "applied through" in problem.message and "app/kustomization.yaml:2" in problem.message


def test_validating_the_compiled_tree_finds_no_listed_run(tmp_path: Path) -> None:
    """compile keeps 03-runs/ out of kustomization.yaml; listing one of its runs there is
    exactly what the rule catches."""
    assert _findings(REPO / "compiled") == []
    tree = tmp_path / "compiled"
    shutil.copytree(REPO / "compiled", tree)
    run = sorted((tree / "03-runs").iterdir())[0]
    kustomization = tree / "kustomization.yaml"
    kustomization.write_text(kustomization.read_text() + f"- 03-runs/{run.name}\n")
    lines = kustomization.read_text().count("\n")
    assert _findings(tree) == [("kustomization.yaml", lines, "resources[12]")]


def test_ignore_drops_the_rule(tmp_path: Path) -> None:
    """`--ignore kustomization-run`, as for every rule."""
    root = _tree(tmp_path, {"kustomization.yaml": "resources: [run.yaml]\n", "run.yaml": RUN})
    report = validate_files([root], ignore=frozenset({RULE}))
    assert [p for p in report.problems if p.rule == RULE] == []


def test_the_json_report_gives_the_apply_origin(tmp_path: Path) -> None:
    """Tools reading JSON see who refuses it: `kubectl apply`, not Tekton's webhook."""
    root = _tree(tmp_path, {"kustomization.yaml": "resources: [run.yaml]\n", "run.yaml": RUN})
    body = json.loads(validate_files([root]).as_json())
    [found] = [p for p in body["problems"] if p["rule"] == RULE]
    assert (found["origin"], found["severity"], found["line"]) == ("apply", "error", 1)


def test_a_cycle_of_kustomizations_ends(tmp_path: Path) -> None:
    """Kustomizations listing each other (and themselves) are each read once."""
    root = _tree(
        tmp_path,
        {
            "a/kustomization.yaml": "resources: [../b, ., ../a/]\n",
            "b/kustomization.yaml": "resources:\n  - ../a\n  - run.yaml\n  - ''\n",
            "b/run.yaml": RUN,
        },
    )
    assert _findings(root) == [("b/kustomization.yaml", 3, "resources[1]")]


def test_paths_leaving_the_given_roots_are_never_read(tmp_path: Path) -> None:
    """`..`, absolute paths and symbolic links out of the tree validated are not followed: a
    run outside would be reported if it were read."""
    outside = _tree(
        tmp_path / "outside",
        {"run.yaml": RUN, "kustomization.yaml": "resources: [run.yaml]\n"},
    )
    root = tmp_path / "tree"
    root.mkdir()
    (root / "linked.yaml").symlink_to(outside / "run.yaml")
    (root / "linked-dir").symlink_to(outside, target_is_directory=True)
    entries = [
        "../outside/run.yaml",
        "../outside",
        "../../" * 40 + "etc",
        str(outside / "run.yaml"),
        str(outside),
        "/",
        "linked.yaml",
        "linked-dir",
        "linked-dir/run.yaml",
    ]
    _tree(root, {"kustomization.yaml": "resources:\n" + "".join(f"- {e}\n" for e in entries)})
    assert [f for f in _findings(root) if f[0] == "kustomization.yaml"] == []


def test_an_absolute_path_inside_the_tree_is_followed(tmp_path: Path) -> None:
    """kustomize takes an absolute path; inside the paths given it is read like any other."""
    root = _tree(tmp_path, {"run.yaml": RUN})
    _tree(root, {"kustomization.yaml": f"resources: ['{root / 'run.yaml'}']\n"})
    assert _findings(root) == [("kustomization.yaml", 1, "resources[0]")]


def test_hostile_kustomizations_are_skipped_without_a_crash(tmp_path: Path) -> None:
    """Any YAML value anywhere: a kustomization that is a list, a string or no YAML at all,
    `resources` of the wrong type, entries that are numbers, lists, null, NUL bytes, URLs or
    names too long for the file system. The other files are still validated."""
    root = _tree(
        tmp_path,
        {
            "list/kustomization.yaml": "- run.yaml\n",
            "text/kustomization.yaml": "just text\n",
            "broken/kustomization.yaml": "resources: [run.yaml\n",
            "mapping/kustomization.yaml": "resources: {run.yaml: 1}\nbases: 7\n",
            "entries/kustomization.yaml": "resources:\n"
            + "".join(
                f"- {entry}\n"
                for entry in (
                    "1",
                    "[run.yaml]",
                    "~",
                    '"run\\0.yaml"',
                    "https://example.com/run.yaml",
                    "github.com/org/repo//runs?ref=main",
                    "x" * 5000,
                    "/".join(["a"] * 3000),
                )
            ),
            "entries/run.yaml": RUN,
            "task.yaml": TASK.replace("name: main", "name: Main"),
        },
    )
    report = validate_files([root])
    assert [p for p in report.problems if p.rule == RULE] == []
    assert "step-name" in {p.rule for p in report.problems}


def test_a_huge_resources_list_is_read_in_linear_time(tmp_path: Path) -> None:
    """100,000 entries, missing files and the same directory again and again, cost one look-up
    each (a repeated entry is resolved once)."""
    entries = "".join(f"- missing-{index}.yaml\n" for index in range(50_000))
    entries += "- .\n" * 50_000 + "- run.yaml\n"
    root = _tree(tmp_path, {"kustomization.yaml": "resources:\n" + entries, "run.yaml": RUN})
    started = time.perf_counter()
    assert _findings(root) == [("kustomization.yaml", 100_002, "resources[100000]")]
    assert time.perf_counter() - started < 10


def test_a_deep_chain_of_kustomizations_needs_no_recursion(tmp_path: Path) -> None:
    """Each directory's kustomization lists the next: 600 levels (past Python's recursion
    limit when nested calls are used) are walked one after another."""
    files = {}
    for depth in range(600):
        files[f"k{depth}/kustomization.yaml"] = f"resources: [../k{depth + 1}]\n"
    files["k600/kustomization.yaml"] = "resources: [run.yaml]\n"
    files["k600/run.yaml"] = RUN
    root = _tree(tmp_path, files)
    assert _findings(root) == [("k600/kustomization.yaml", 1, "resources[0]")]
