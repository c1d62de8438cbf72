"""`modelcar init`: a new team's pipeline repository, built on the installed task library.

Every value a user gives is checked first and then written as a JSON string literal, which
Python and TOML read alike (never pasted into code), so no answer can change what the files do.
The files are rendered in memory, written beside their place and moved in only where nothing
is: init never overwrites, and a failure half-way removes what it moved.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from collections.abc import Mapping
from importlib import metadata, resources
from pathlib import Path
from string import Template

import attrs

from modelcar_dsl.diagnostics.errors import ProjectError
from modelcar_dsl.formats.group_ids import MAX_GID, is_group_id
from modelcar_dsl.formats.names import dns_label_problem

TEMPLATES = "scaffold_templates"
TARGETS = {
    "pyproject.toml.tmpl": "pyproject.toml",
    "requirements.txt.tmpl": "requirements.txt",
    "README.md.tmpl": "README.md",
    "gitignore.tmpl": ".gitignore",
    "pre-commit-config.yaml.tmpl": ".pre-commit-config.yaml",
    "pipelines/__init__.py.tmpl": "pipelines/__init__.py",
    "pipelines/catalogue.py.tmpl": "pipelines/catalogue.py",
    "pipelines/runs.py.tmpl": "pipelines/runs.py",
    "tests/test_pipelines.py.tmpl": "tests/test_pipelines.py",
}
"""Template -> the file it becomes in the new project."""

_REPOSITORY_PART = re.compile(r"[a-z0-9]+(?:[._-][a-z0-9]+)*")
_HUB_REPOSITORY = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*")
_URL = re.compile(r"https://[A-Za-z0-9.-]+(?::[0-9]{1,5})?(?:/[A-Za-z0-9._~/-]*)?")


@attrs.frozen
class Answers:
    """What a new project is for: its cluster, registries and first model."""

    namespace: str
    fs_group: int
    quay_organization: str
    registry_url: str
    model: str
    """A Hub repository, `org/name`: the catalogue's first model."""


def answer_problems(answers: Answers) -> list[str]:
    """Every answer that cannot go into the project, with what to give instead."""
    problems = []
    if problem := dns_label_problem(answers.namespace, "namespace"):
        problems.append(problem)
    if not is_group_id(answers.fs_group):
        problems.append(f"fs-group {answers.fs_group} must be a GID from 0 to {MAX_GID}")
    if not _REPOSITORY_PART.fullmatch(answers.quay_organization):
        problems.append(
            f"quay organization {answers.quay_organization!r} must be lower-case letters, digits "
            "and . _ - (as Quay names organizations)"
        )
    if not _URL.fullmatch(answers.registry_url):
        problems.append(
            f"registry URL {answers.registry_url!r} must be the Model Registry's REST address, "
            "https://host[:port][/path]"
        )
    if not _HUB_REPOSITORY.fullmatch(answers.model) or ".." in answers.model:
        problems.append(
            f"model {answers.model!r} must be a Hugging Face repository, org/name "
            "(e.g. RedHatAI/Mistral-Small-24B-Instruct-2501-quantized.w4a16)"
        )
    return problems


def render(directory: Path, answers: Answers) -> dict[str, str]:
    """Relative path -> text of every file of the new project."""
    if problems := answer_problems(answers):
        raise ProjectError("; ".join(problems))
    service = _dns_label(answers.model.split("/")[1]) or "model"
    project = _dns_label(directory.resolve().name) or "modelcar-pipelines"
    literals = {
        "project": project,
        "namespace_comment": answers.namespace,
        "namespace_text": answers.namespace,
        "namespace": json.dumps(answers.namespace),
        "fs_group": str(answers.fs_group),
        "version": metadata.version("modelcar-dsl"),
        "registry_name": json.dumps(answers.model.split("/")[1]),
        "version_name": json.dumps("v1"),
        "source": json.dumps(f"hf://{answers.model}@main"),
        "tokenizer": json.dumps(answers.model),
        "inference_service": json.dumps(service),
        "quantization": json.dumps(_quantization(answers.model)),
        "registry_url": json.dumps(answers.registry_url),
        "build_run_name": json.dumps(f"{service}-build"),
        "test_run_name": json.dumps(f"{service}-test"),
        "internal_repository": json.dumps(f"{answers.namespace}/{service}"),
        "quay_repository": json.dumps(f"{answers.quay_organization}/{service}"),
    }
    return {
        target: Template(_template(name)).substitute(literals) for name, target in TARGETS.items()
    }


def _dns_label(text: str) -> str:
    """`text` as a short DNS label: lower case, runs of other characters as one `-`; 50
    characters leave room for the `-build-` suffix of a run's generateName (at most 58)."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower())[:50].strip("-")


def _quantization(model: str) -> str:
    """The scheme a repository's name states (`...quantized.w4a16`), or none."""
    lowered = model.lower()
    return next((scheme for scheme in ("w4a16", "w8a8", "fp8") if scheme in lowered), "none")


def _template(name: str) -> str:
    return (
        resources.files("modelcar_dsl.project")
        .joinpath(TEMPLATES, name)
        .read_text(encoding="utf-8")
    )


def taken(directory: Path, files: Mapping[str, str]) -> list[str]:
    """The entries of `directory` the new project would need (a file, or a folder such as
    `pipelines`) that are already there: init never overwrites or merges into one."""
    tops = {relative.split("/", 1)[0] for relative in files}
    return sorted(top for top in tops if os.path.lexists(directory / top))


def write(directory: Path, files: Mapping[str, str]) -> None:
    """Write the files into a staging folder inside `directory`, then rename each top-level
    entry into place; on any failure remove the entries already moved."""
    if in_the_way := taken(directory, files):
        raise ProjectError(
            f"{directory}: already has {', '.join(in_the_way)}; init never overwrites: "
            "choose an empty or new directory"
        )
    directory.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".modelcar-init-", dir=directory))
    moved: list[Path] = []
    try:
        for relative, text in sorted(files.items()):
            path = staging / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        for top in sorted({relative.split("/", 1)[0] for relative in files}):
            _move_without_replacing(staging / top, directory / top)
            moved.append(directory / top)
    except BaseException:
        for path in moved:
            shutil.rmtree(path) if path.is_dir() else path.unlink()
        raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _move_without_replacing(source: Path, target: Path) -> None:
    """A file is linked (which fails where one appeared meanwhile, say from a second init); a
    folder is renamed, which fails onto anything but an empty folder."""
    if source.is_dir():
        os.rename(source, target)
    else:
        os.link(source, target)
        source.unlink()
