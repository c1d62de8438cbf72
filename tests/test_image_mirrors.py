"""`[tool.modelcar] image_mirrors`: a disconnected cluster's mirrors are written into every step."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from modelcar_dsl.model.image_mirrors import ImageMirrors, location_problem
from modelcar_tasks.images import MODELCAR_BASE_IMAGE, PYTHON_IMAGE, SKOPEO_IMAGE
from tests.conftest import MiniProject, run_modelcar

MIRRORS = ImageMirrors.from_mapping(
    {
        "quay.io": "mirror.corp:5000/quay",
        "quay.io/skopeo": "mirror.corp:5000/tools/skopeo",
        "registry.lab": "mirror.corp:5000/lab",
    }
)


@pytest.mark.parametrize(
    ("image", "pulled"),
    [
        ("quay.io/skopeo/stable:v1.16.1", "mirror.corp:5000/tools/skopeo/stable:v1.16.1"),
        ("quay.io/skopeo@sha256:" + "a" * 64, "mirror.corp:5000/tools/skopeo@sha256:" + "a" * 64),
        ("quay.io/other/tool:1", "mirror.corp:5000/quay/other/tool:1"),
        ("quay.io/skopeo-fork/x:1", "mirror.corp:5000/quay/skopeo-fork/x:1"),
        ("quay.io:8443/skopeo/stable:1", "quay.io:8443/skopeo/stable:1"),
        ("registry.lab:5000/x:1", "registry.lab:5000/x:1"),
        ("registry.lab/x:1", "mirror.corp:5000/lab/x:1"),
        ("docker.io/library/busybox:1", "docker.io/library/busybox:1"),
    ],
    ids=[
        "the longest source wins",
        "a digest",
        "a registry",
        "a repository of a similar name is not the source's",
        "another port is another registry",
        "another port of a mirrored host",
        "a host",
        "no source holds it",
    ],
)
def test_an_image_is_pulled_from_the_mirror_of_the_longest_source_that_holds_it(
    image: str, pulled: str
) -> None:
    assert MIRRORS.mirrored(image) == pulled


@pytest.mark.parametrize(
    "location",
    ["quay.io/skopeo:v1", "quay.io/Skopeo", "$(params.mirror)", "mirror\n.corp", "../x", ""],
)
def test_a_location_with_a_tag_upper_case_a_variable_or_a_newline_is_refused(
    location: str,
) -> None:
    assert location_problem(location) is not None


PROJECT = """\
[tool.modelcar]
modules = ["flows"]
namespace = "team-a"
fs_group = 1000970000
image_mirrors = {mirrors}
"""

FLOWS = "from modelcar_tasks.pipelines import model_testing, modelcar_build_deploy\n"


def _project(root: Path, mirrors: str) -> Path:
    (root / "flows").mkdir(parents=True)
    (root / "flows" / "__init__.py").write_text(FLOWS)
    (root / "pyproject.toml").write_text(PROJECT.format(mirrors=mirrors))
    return root


def _images(out: Path) -> set[str]:
    return {
        step["image"]
        for path in (out / "01-tasks").glob("*.yaml")
        for step in yaml.safe_load(path.read_text())["spec"]["steps"]
    }


def test_compile_writes_the_mirrors_into_every_library_step(tmp_path: Path) -> None:
    """Without mirrors the library's pinned images; with them, only the mirrors' references."""
    plain = _project(tmp_path / "plain", "{}")
    assert run_modelcar("compile", cwd=plain).exit_code == 0
    assert _images(plain / "compiled") == {SKOPEO_IMAGE, PYTHON_IMAGE}

    mirrored = _project(
        tmp_path / "mirrored",
        textwrap.dedent(
            """\
            { "quay.io/skopeo" = "mirror.corp:5000/skopeo", \
            "registry.access.redhat.com/ubi9" = "mirror.corp:5000/ubi9" }"""
        ),
    )
    result = run_modelcar("compile", cwd=mirrored)
    assert result.exit_code == 0, result.stderr
    assert _images(mirrored / "compiled") == {
        SKOPEO_IMAGE.replace("quay.io/skopeo", "mirror.corp:5000/skopeo"),
        PYTHON_IMAGE.replace("registry.access.redhat.com/ubi9", "mirror.corp:5000/ubi9"),
    }
    build = yaml.safe_load(
        (mirrored / "compiled" / "01-tasks" / "task-build-modelcar-image.yaml").read_text()
    )
    [base] = [p["default"] for p in build["spec"]["params"] if p["name"] == "base-image"]
    assert base == MODELCAR_BASE_IMAGE.replace(
        "registry.access.redhat.com/ubi9", "mirror.corp:5000/ubi9"
    ), "the base the build pulls itself (a PulledImage param) comes from the mirror too"
    pipeline = yaml.safe_load(
        (mirrored / "compiled" / "02-pipeline" / "pipeline-modelcar-build-deploy.yaml").read_text()
    )
    [passed] = [p["default"] for p in pipeline["spec"]["params"] if p["name"] == "base-image"]
    assert passed == base, "the pipeline's base-image, which the build is given, is mirrored too"


@pytest.mark.parametrize(
    ("mirrors", "message"),
    [
        ('{ "quay.io/skopeo:v1" = "mirror.corp/skopeo" }', "'quay.io/skopeo:v1' is no registry"),
        ('{ "quay.io" = "$(params.x)" }', "'$(params.x)' is no registry"),
        ('{ "quay.io" = 5 }', "image_mirrors must be a table of registry or repository"),
        ('["quay.io"]', "image_mirrors must be a table"),
    ],
)
def test_a_bad_mirror_is_refused_naming_the_pyproject(
    tmp_path: Path, mirrors: str, message: str
) -> None:
    root = _project(tmp_path, mirrors)
    result = run_modelcar("compile", cwd=root)
    assert result.exit_code == 2
    assert "pyproject.toml: [tool.modelcar] image_mirrors" in result.stderr
    assert message in result.stderr
    assert not (root / "compiled").exists()


def test_a_pulled_image_default_with_a_newline_is_refused_at_the_parameter(
    mini_project: Callable[..., MiniProject],
) -> None:
    project = mini_project(
        """\
        from typing import Annotated
        from modelcar_dsl import PulledImage, Steps, script_step, task

        @task(image="quay.io/x/y:1")
        def pulls(
            base: Annotated[str, PulledImage()] = "quay.io/a:1\\nquay.io/b:2",  # <- here
        ) -> Steps:
            return [script_step("hello.sh")]
        """
    )
    result = project.compile()
    assert result.exit_code == 2
    assert f"flows/main.py:{project.line_of('# <- here')}:" in result.stderr
    assert "must be an image reference, without spaces or newlines" in result.stderr
