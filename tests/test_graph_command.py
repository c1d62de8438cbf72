"""`modelcar graph` on this repo's pipelines, through the CLI, against reviewed golden files.

The goldens are real compiler output. They change only when asked:
`MODELCAR_UPDATE_GOLDEN=1 pytest tests/test_graph_command.py` rewrites them, to be reviewed in
the diff; CI never sets it.
"""

from __future__ import annotations

import os
import struct
from pathlib import Path

import pytest

from modelcar_dsl import Steps, Workspace, command_step, finally_tasks, pipeline, task
from modelcar_dsl.review.graph_formats import to_dot, to_mermaid, to_text
from tests.conftest import REPO, run_modelcar

GOLDEN = Path(__file__).resolve().parent / "golden" / "graph"
PIPELINES = ("modelcar-build-deploy", "model-testing")
SUFFIXES = {"text": "txt", "mermaid": "mmd", "dot": "dot"}


@pytest.mark.parametrize("pipeline", PIPELINES)
@pytest.mark.parametrize("output_format", sorted(SUFFIXES))
def test_graph_matches_its_golden_file(pipeline: str, output_format: str) -> None:
    result = run_modelcar("graph", pipeline, "--format", output_format, cwd=REPO)
    assert result.exit_code == 0, result.stderr
    golden = GOLDEN / f"{pipeline}.{SUFFIXES[output_format]}"
    if os.environ.get("MODELCAR_UPDATE_GOLDEN") == "1":
        golden.write_text(result.stdout, encoding="utf-8")
    assert result.stdout == golden.read_text(encoding="utf-8")


def test_graph_is_the_same_under_every_hash_seed() -> None:
    outputs = {
        run_modelcar(
            "graph",
            "modelcar-build-deploy",
            "--format",
            "dot",
            cwd=REPO,
            env={"PYTHONHASHSEED": seed},
        ).stdout
        for seed in ("0", "1", "4242")
    }
    assert len(outputs) == 1


def test_text_shows_the_serialization_the_seeds_lacked() -> None:
    """push-to-quay waits for push-to-internal-registry because both use `source`."""
    text = (GOLDEN / "modelcar-build-deploy.txt").read_text()
    assert "  push-to-quay\n" in text
    assert "    after push-to-internal-registry (serialization: source)\n" in text


def test_png_is_a_real_image(tmp_path: Path) -> None:
    """Rendered by Graphviz: a PNG signature and a header with a plausible size."""
    out = tmp_path / "graph.png"
    result = run_modelcar("graph", "model-testing", "--format", "png", "--out", str(out), cwd=REPO)
    assert result.exit_code == 0, result.stderr
    data = out.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert width > 100 and height > 100


def test_an_unknown_pipeline_is_named_with_the_known_ones() -> None:
    result = run_modelcar("graph", "model-testng", cwd=REPO)
    assert result.exit_code == 2
    assert "no pipeline 'model-testng'; did you mean 'model-testing'?" in result.stderr


def test_finally_tasks_and_guards_are_drawn() -> None:
    """The repo's pipelines have neither, so a small one shows both in each format."""

    @task(image="registry.example/tools:1", workspaces=[Workspace("data")], results=["digest"])
    def build() -> Steps:
        """Build."""
        return [command_step("main", ["true"])]

    @task(image="registry.example/tools:1")
    def notify(outcome: str) -> Steps:
        """Notify."""
        return [command_step("main", ["true"])]

    @pipeline(workspaces=["data"])
    def release(mode: str) -> None:
        made = build()
        build.options(name="rebuild")().when(mode, "in", ["full"]).after(made)
        with finally_tasks():
            notify(outcome=made.status)

    assert to_text(release.graph) == (
        "pipeline release\n"
        "stage 1:\n"
        "  build\n"
        "stage 2:\n"
        "  rebuild\n"
        "    after build (explicit)\n"
        "    when $(params.mode) in [full]\n"
        "finally (once every task has ended):\n"
        "  notify\n"
        "    after build (status)\n"
    )
    mermaid = to_mermaid(release.graph)
    assert '  t1["rebuild<br/>when $(params.mode) in [full]"]' in mermaid
    assert '  subgraph finally["finally: once every task has ended"]\n    t2["notify"]\n  end' in (
        mermaid
    )
    assert '  t0 -.->|"status"| t2' in mermaid
    assert '"build" -> "notify" [label="status", style=dotted];' in to_dot(release.graph)


def test_png_without_the_extra_names_what_to_install(tmp_path: Path) -> None:
    """A base install has no graphviz package: the error says which extra to add."""
    (tmp_path / "graphviz.py").write_text("raise ImportError('not installed')\n")
    result = run_modelcar(
        "graph",
        "model-testing",
        "--format",
        "png",
        "--out",
        str(tmp_path / "x.png"),
        cwd=REPO,
        env={"PYTHONPATH": str(tmp_path)},
    )
    assert result.exit_code == 2
    assert "pip install 'modelcar-dsl[graph]'" in result.stderr
    assert "in a clone of modelcar-dsl, pip install -e '.[graph]'" in result.stderr
    assert "from a wheel, pip install '/path/to/modelcar_dsl-VERSION-py3-none-any.whl[graph]'" in (
        result.stderr
    )
    assert not (tmp_path / "x.png").exists()
