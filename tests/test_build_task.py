"""build-modelcar-image, run for real: the compiled Task's steps with real skopeo and python3.

The base image is an OCI layout holding Debian's busybox-static, made by the test; the model is a
few small files. Nothing is pulled from a network.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest

from modelcar_dsl.project.local_run import run_task
from modelcar_dsl.running.local import TaskResult
from modelcar_tasks import add_model_layer
from modelcar_tasks.build_modelcar_image import build_modelcar_image
from modelcar_tasks.lib import tar_layers
from tests.oci_images import busybox_base, flip_byte, layer_members, require_tool


def make_model(workspace: Path, seed: int = 1) -> None:
    model = workspace / "model"
    (model / "tokenizer").mkdir(parents=True, exist_ok=True)
    (model / "config.json").write_text(json.dumps({"model_type": "mistral", "seed": seed}))
    (model / "model-00001-of-00001.safetensors").write_bytes(bytes(range(256)) * 4096)
    (model / "tokenizer" / "tokenizer.json").write_text("{}")
    (model / "config.json").chmod(0o600)


def build(workspace: Path, base: str, **params: str) -> TaskResult:
    require_tool("skopeo", "skopeo")
    return run_task(
        build_modelcar_image,
        {"base-image": base, **params},
        {"source": workspace, "registry-auth": None, "ca-bundle": None},
    )


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> str:
    return busybox_base(tmp_path_factory.mktemp("busybox"))


def skopeo_digest(reference: str) -> str:
    completed = subprocess.run(
        ["skopeo", "inspect", "--format", "{{.Digest}}", reference],
        capture_output=True,
        text=True,
        check=True,
    )
    return completed.stdout.strip()


def test_build_writes_an_image_skopeo_reads_with_the_model_under_models(
    tmp_path: Path, base: str
) -> None:
    make_model(tmp_path)
    run = build(tmp_path, base)
    assert run.exit_code == 0, run.log
    image = tmp_path / "image"
    assert run.results == {
        "image-digest": skopeo_digest(f"oci:{image}:modelcar"),
        "image-path": "image",
        "platforms": "linux/amd64",
        "BASE_IMAGE_REF": f"{base}@{skopeo_digest(base)}",
    }
    assert not (tmp_path / "image.partial").exists()
    members = layer_members(f"oci:{image}:modelcar")
    assert sorted(members) == [
        "models",
        "models/config.json",
        "models/model-00001-of-00001.safetensors",
        "models/tokenizer",
        "models/tokenizer/tokenizer.json",
    ]
    for member in members.values():
        assert (member.uid, member.gid, member.mtime) == (0, 0, 0)
        assert member.mode == (0o755 if member.isdir() else 0o644), member.name
    assert members["models/model-00001-of-00001.safetensors"].size == 256 * 4096
    assert "bin/busybox" in layer_members(f"oci:{image}:modelcar", layer_index=0)


def test_the_same_model_gives_the_same_digest(tmp_path: Path, base: str) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    for workspace in (first, second):
        make_model(workspace)
    os.utime(second / "model" / "config.json", (1_000_000, 1_000_000))
    digests = []
    for workspace in (first, second):
        run = build(workspace, base)
        assert run.exit_code == 0, run.log
        digests.append(run.results["image-digest"])
    assert digests[0] == digests[1]
    make_model(second, seed=2)
    changed = build(second, base)
    assert changed.results["image-digest"] != digests[0]


def test_archive_format_holds_the_same_image(tmp_path: Path, base: str) -> None:
    make_model(tmp_path)
    layout = build(tmp_path, base)
    archive = build(tmp_path, base, **{"image-format": "oci-archive", "image-path": "image.tar"})
    assert archive.exit_code == 0, archive.log
    assert (tmp_path / "image.tar").is_file()
    assert archive.results["image-digest"] == layout.results["image-digest"]
    assert (
        skopeo_digest(f"oci-archive:{tmp_path / 'image.tar'}:modelcar")
        == (layout.results["image-digest"])
    )


def verify_again(workspace: Path, **params: str) -> TaskResult:
    """The build's checks on an image already on the workspace, as a retried build runs them."""
    return run_task(
        build_modelcar_image,
        params,
        {"source": workspace, "registry-auth": None, "ca-bundle": None},
        steps=["verify", "validate"],
    )


@pytest.mark.parametrize("corruption", ["flipped byte", "truncated"])
def test_a_corrupt_layer_fails_verification_with_its_message(
    tmp_path: Path, base: str, corruption: str
) -> None:
    make_model(tmp_path)
    assert build(tmp_path, base).exit_code == 0
    blobs = tmp_path / "image" / "blobs" / "sha256"
    largest = max(blobs.iterdir(), key=lambda blob: blob.stat().st_size)
    size = largest.stat().st_size
    if corruption == "truncated":
        os.truncate(largest, 1000)
    else:
        flip_byte(largest, size // 2)
    run = verify_again(tmp_path)
    assert (run.exit_code, run.failed_step) == (1, "verify"), run.log
    if corruption == "truncated":
        assert f"reads back as sha256:{hashlib.sha256(largest.read_bytes()).hexdigest()}" in (
            run.log
        )
    else:
        assert f"blob sha256:{largest.name} (index.json manifests[0] layers[1]) reads back" in (
            run.log
        )
        assert largest.stat().st_size == size
    assert "Rebuild it; do not push it." in run.log
    assert run.written_results == {}


@pytest.mark.parametrize("blob", ["manifest", "config"])
def test_a_corrupt_manifest_or_config_fails_verification(
    tmp_path: Path, base: str, blob: str
) -> None:
    make_model(tmp_path)
    assert build(tmp_path, base).exit_code == 0
    image = tmp_path / "image"
    manifest_digest = json.loads((image / "index.json").read_text())["manifests"][0]["digest"]
    manifest = image / "blobs" / "sha256" / manifest_digest.removeprefix("sha256:")
    target = manifest
    if blob == "config":
        config_digest = json.loads(manifest.read_text())["config"]["digest"]
        target = image / "blobs" / "sha256" / config_digest.removeprefix("sha256:")
    flip_byte(target, 1)
    run = verify_again(tmp_path)
    assert (run.exit_code, run.failed_step) == (1, "verify"), run.log
    assert f"blob sha256:{target.name}" in run.log
    assert "Rebuild it; do not push it." in run.log


def test_a_corrupt_archive_fails_verification_without_unpacking_it(
    tmp_path: Path, base: str
) -> None:
    """One byte of the weights flipped inside the tarball, its size unchanged: found in one pass
    over the archive, and nothing is unpacked on the workspace."""
    make_model(tmp_path)
    params = {"image-format": "oci-archive", "image-path": "image.tar"}
    assert build(tmp_path, base, **params).exit_code == 0
    archive = tmp_path / "image.tar"
    with tarfile.open(archive) as tar:
        layer = max(tar.getmembers(), key=lambda member: member.size)
    flip_byte(archive, layer.offset_data + layer.size // 2)
    shutil.rmtree(tmp_path / ".tmp", ignore_errors=True)
    run = verify_again(tmp_path, **params)
    assert (run.exit_code, run.failed_step) == (1, "verify"), run.log
    assert f"blob sha256:{layer.name.rsplit('/', 1)[1]}" in run.log
    assert "Rebuild it; do not push it." in run.log
    assert not (tmp_path / ".tmp").exists()


def test_an_unreadable_image_fails_verification(tmp_path: Path, base: str) -> None:
    make_model(tmp_path)
    assert build(tmp_path, base).exit_code == 0
    (tmp_path / "image" / "index.json").write_text("{not json")
    run = verify_again(tmp_path)
    assert (run.exit_code, run.failed_step) == (1, "verify"), run.log
    assert "is broken: index.json is not JSON" in run.log


def test_an_image_skopeo_cannot_read_fails_validation(tmp_path: Path, base: str) -> None:
    """Whole blobs that skopeo refuses to read (an index entry of an unknown media type) stop
    the build too."""
    make_model(tmp_path)
    assert build(tmp_path, base).exit_code == 0
    index = json.loads((tmp_path / "image" / "index.json").read_text())
    index["manifests"][0]["mediaType"] = "text/plain"
    (tmp_path / "image" / "index.json").write_text(json.dumps(index))
    run = verify_again(tmp_path)
    assert (run.exit_code, run.failed_step) == (1, "validate"), run.log
    assert "is broken: skopeo cannot read it" in run.log


def test_a_base_without_sleep_is_refused_before_the_copy(tmp_path: Path) -> None:
    base = busybox_base(tmp_path / "base", tools=("sh", "ln", "ls"))
    make_model(tmp_path / "ws")
    run = build(tmp_path / "ws", base)
    assert run.exit_code == 1
    assert run.failed_step == "add-model-layer"
    assert "has no sleep in /bin or /usr/bin" in run.log
    assert not (tmp_path / "ws" / "image").exists()


def test_a_missing_model_directory_is_named(tmp_path: Path, base: str) -> None:
    run = build(tmp_path, base)
    assert run.exit_code == 1
    assert f"model directory {tmp_path / 'model'} does not exist; did download-model run?" in (
        run.log
    )


def test_layer_tar_is_what_tarfile_writes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The layer writer has the kernel copy the weights and hashes them in a second thread, yet
    its bytes equal tarfile's (GNU format) and its digest is theirs, so a model's digest does not
    depend on which of the two wrote it; each file's sha256 comes out of the same pass."""
    make_model(tmp_path)
    entries = tar_layers.tree_entries(tmp_path / "model", "models")
    layer = tmp_path / "layer.tar"
    with open(layer, "wb") as target:
        target.write(b"x" * 3)
        digest, size, hashes = add_model_layer.write_model_tar(
            target, tar_layers.tar_pieces(entries)
        )
        target.write(b"end")
    written = layer.read_bytes()
    assert written[:3] == b"xxx" and written[-3:] == b"end"
    reference = io.BytesIO()
    with tarfile.open(fileobj=reference, mode="w|", format=tarfile.GNU_FORMAT) as archive:
        for name, path in entries:
            info = tar_layers.tar_info(name, path)
            if info.isfile():
                with open(path, "rb") as content:
                    archive.addfile(info, content)
            else:
                archive.addfile(info)
    assert written[3:-3] == reference.getvalue()
    assert size == len(reference.getvalue())
    assert digest == "sha256:" + hashlib.sha256(reference.getvalue()).hexdigest()
    files = [path for _, path in entries if path.is_file()]
    assert hashes.files == [hashlib.sha256(path.read_bytes()).hexdigest() for path in files]


@pytest.mark.parametrize("entry", ["./index.json again", "a hard link", "a stray file"])
def test_an_archive_entry_another_reader_may_take_differently_is_refused(
    tmp_path: Path, base: str, entry: str
) -> None:
    """An oci-archive holds index.json, oci-layout and blobs/sha256/<digest>, each once, as
    regular files: a second index.json (which an unpacking reader keeps) or a link is a way to
    show skopeo another image than the one verified."""
    make_model(tmp_path)
    params = {"image-format": "oci-archive", "image-path": "image.tar"}
    assert build(tmp_path, base, **params).exit_code == 0
    with tarfile.open(tmp_path / "image.tar", mode="a") as archive:
        info = tarfile.TarInfo({"a stray file": "notes.txt"}.get(entry, "./index.json"))
        if entry == "a hard link":
            info.type, info.linkname, info.name = tarfile.LNKTYPE, "oci-layout", "index.json"
            archive.addfile(info)
        else:
            info.size = 2
            archive.addfile(info, io.BytesIO(b"{}"))
    run = verify_again(tmp_path, **params)
    assert (run.exit_code, run.failed_step) == (1, "verify"), run.log
    assert "the archive holds an unexpected entry" in run.log or "is not a regular file" in (
        run.log
    )
