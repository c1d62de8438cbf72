"""What a built ModelCar image carries, read back by other readers: tar headers Go's archive/tar
reads at any size, one layer per large file, every platform of the base, provenance labels and
annotations, and an SPDX SBOM whose subject is the image.

The build's compiled steps run for real with skopeo; bases are small layouts made here (one of
two platforms), or served by a real docker-registry on loopback.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tarfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from modelcar_dsl.project.local_run import run_task
from modelcar_dsl.running.local import TaskResult
from modelcar_tasks.build_modelcar_image import build_modelcar_image
from modelcar_tasks.lib import tar_layers
from modelcar_tasks.push_to_quay import push_to_quay
from tests.conftest import REPO
from tests.oci_images import busybox_base, require_tool
from tests.registry_server import PASSWORD, USER, Registry
from tests.test_build_task import build

SHARD = tar_layers.LARGE_FILE
COMMIT = "0123456789abcdef0123456789abcdef01234567"
PROVENANCE = {
    "model-source": f"hf://example-org/example-model@{COMMIT}",
    "model-revision": COMMIT,
    "model-created": "2025-01-30T12:34:56Z",
    "model-name": "Example-Model",
    "model-version": "7b-bf16",
}


def go_listing(tar: Path) -> list[dict[str, Any]]:
    """The entries of `tar` as Go's archive/tar reads them (tests/go/tar_listing.go)."""
    go = require_tool("go", "golang-go")
    env = {**os.environ}
    env.setdefault("GOCACHE", str(Path(os.environ.get("HOME", "/tmp")) / ".cache" / "go-build"))
    completed = subprocess.run(
        [go, "run", str(REPO / "tests" / "go" / "tar_listing.go"), str(tar)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    return [json.loads(line) for line in completed.stdout.splitlines()]


def make_model(model: Path) -> dict[str, bytes]:
    """Small files, two shards big enough for layers of their own, and a model card."""
    files = {
        "config.json": b'{"model_type": "mistral"}',
        "tokenizer/tokenizer.json": b"{}",
        "model-00001-of-00002.safetensors": b"\x01" * SHARD,
        "model-00002-of-00002.safetensors": b"\x02" * (SHARD + 5),
        "README.md": b"# Example model\n",
    }
    for name, data in files.items():
        (model / name).parent.mkdir(parents=True, exist_ok=True)
        (model / name).write_bytes(data)
    return files


def blob(image: Path, digest: str) -> Path:
    return image / "blobs" / "sha256" / digest.removeprefix("sha256:")


def document(image: Path, digest: str) -> Any:
    return json.loads(blob(image, digest).read_bytes())


def tagged(image: Path, tag: str) -> dict[str, Any]:
    index = json.loads((image / "index.json").read_text())
    found: list[dict[str, Any]] = [
        m
        for m in index["manifests"]
        if m["annotations"]["org.opencontainers.image.ref.name"] == tag
    ]
    assert len(found) == 1, index
    return found[0]


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> str:
    return busybox_base(tmp_path_factory.mktemp("busybox"))


@pytest.fixture(scope="module")
def two_platform_base(tmp_path_factory: pytest.TempPathFactory) -> str:
    return with_attestation(
        busybox_base(
            tmp_path_factory.mktemp("busybox-multi"), platforms=("linux/amd64", "linux/arm64")
        )
    )


def with_attestation(reference: str) -> str:
    """The two-platform base with a build attestation in its index, as BuildKit pushes them
    (platform unknown/unknown): it describes the base, so the image must not carry it."""
    layout = Path(reference.removeprefix("oci:").rsplit(":", 1)[0])
    blobs = layout / "blobs" / "sha256"
    index_json = json.loads((layout / "index.json").read_text())
    top = index_json["manifests"][0]
    index = json.loads(blob(layout, top["digest"]).read_bytes())
    statement = b'{"_type": "https://in-toto.io/Statement/v0.1"}'
    empty, statement_digest = (
        hashlib.sha256(b"{}").hexdigest(),
        hashlib.sha256(statement).hexdigest(),
    )
    (blobs / empty).write_bytes(b"{}")
    (blobs / statement_digest).write_bytes(statement)
    attestation = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {
                "mediaType": "application/vnd.oci.image.config.v1+json",
                "digest": f"sha256:{empty}",
                "size": 2,
            },
            "layers": [
                {
                    "mediaType": "application/vnd.in-toto+json",
                    "digest": f"sha256:{statement_digest}",
                    "size": len(statement),
                }
            ],
        }
    ).encode()
    (blobs / hashlib.sha256(attestation).hexdigest()).write_bytes(attestation)
    index["manifests"].append(
        {
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "digest": f"sha256:{hashlib.sha256(attestation).hexdigest()}",
            "size": len(attestation),
            "platform": {"os": "unknown", "architecture": "unknown"},
            "annotations": {
                "vnd.docker.reference.type": "attestation-manifest",
                "vnd.docker.reference.digest": index["manifests"][0]["digest"],
            },
        }
    )
    body = json.dumps(index).encode()
    (blobs / hashlib.sha256(body).hexdigest()).write_bytes(body)
    top.update(digest=f"sha256:{hashlib.sha256(body).hexdigest()}", size=len(body))
    (layout / "index.json").write_text(json.dumps(index_json))
    return reference


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, base: str) -> tuple[Path, TaskResult]:
    """One image of `make_model`'s files with provenance, shared by the tests that read it."""
    workspace = tmp_path_factory.mktemp("built")
    make_model(workspace / "model")
    run = build(workspace, base, **PROVENANCE)
    assert run.exit_code == 0, run.log
    return workspace, run


def test_a_file_over_8_gib_has_a_size_go_and_python_read(tmp_path: Path) -> None:
    """A 9 GiB file declared by a sparse file (nothing that size is written): its header keeps
    the size in the ustar size field (base-256), which Go's archive/tar reads; a PAX header
    leaves that field 0 and Quay's scanner fails on the entry."""
    model = tmp_path / "model"
    model.mkdir()
    size = 9 << 30
    with open(model / "consolidated.safetensors", "wb") as weights:
        weights.truncate(size)
    (model / ("long-" * 30 + ".json")).write_bytes(b"{}")
    layer = tmp_path / "layer.tar"
    with open(layer, "wb") as out:
        for piece in tar_layers.tar_pieces(tar_layers.tree_entries(model, "models")):
            if isinstance(piece, bytes):
                out.write(piece)
            else:
                out.seek(piece[1], os.SEEK_CUR)
    header_offset = tarfile.BLOCKSIZE
    with open(layer, "rb") as raw:
        raw.seek(header_offset)
        header = raw.read(tarfile.BLOCKSIZE)
    assert header[:100].rstrip(b"\0") == b"models/consolidated.safetensors"
    assert header[124] == 0x80 and int.from_bytes(header[125:136], "big") == size
    listed = {entry["name"]: entry for entry in go_listing(layer)}
    assert listed["models/consolidated.safetensors"]["size"] == size
    assert listed["models/" + "long-" * 30 + ".json"]["size"] == 2
    assert {(e["uid"], e["gid"], e["mtime"]) for e in listed.values()} == {(0, 0, 0)}
    with tarfile.open(layer) as archive:
        assert archive.getmember("models/consolidated.safetensors").size == size


def test_large_files_get_layers_of_their_own_and_the_model_card_its_own(
    built: tuple[Path, TaskResult],
) -> None:
    workspace = built[0]
    image = workspace / "image"
    manifest = document(image, tagged(image, "modelcar")["digest"])
    model_layers = manifest["layers"][1:]
    titles = [
        layer.get("annotations", {}).get("org.opencontainers.image.title") for layer in model_layers
    ]
    assert titles == [
        None,
        "model-00001-of-00002.safetensors",
        "model-00002-of-00002.safetensors",
        "README.md",
    ]
    card = model_layers[-1]
    assert card["annotations"]["io.opendatahub.modelcar.layer.type"] == "modelcard"
    assert manifest["annotations"]["io.opendatahub.layers.modelcard"] == card["digest"]
    listings = [
        {entry["name"]: entry for entry in go_listing(blob(image, layer["digest"]))}
        for layer in model_layers
    ]
    assert sorted(listings[0]) == [
        "models/",
        "models/config.json",
        "models/tokenizer/",
        "models/tokenizer/tokenizer.json",
    ]
    assert sorted(listings[1]) == ["models/", "models/model-00001-of-00002.safetensors"]
    assert sorted(listings[3]) == ["models/", "models/README.md"]
    for listing in listings:
        for entry in listing.values():
            assert (entry["uid"], entry["gid"], entry["mtime"], entry["format"]) == (0, 0, 0, "GNU")
            assert entry["mode"] == (0o755 if entry["type"] == "5" else 0o644), entry
    model_bytes = sum(p.stat().st_size for p in (workspace / "model").rglob("*") if p.is_file())
    layer_bytes = sum(layer["size"] for layer in model_layers)
    assert model_bytes < layer_bytes < model_bytes + len(model_layers) * 16 * 1024


def test_the_number_of_layers_is_bounded(tmp_path: Path) -> None:
    """Past MAX_FILE_LAYERS large files, neighbours share layers: every file once, in order."""
    count = tar_layers.MAX_FILE_LAYERS * 2 + 7
    for number in range(count):
        with open(tmp_path / f"shard-{number:05}.bin", "wb") as shard:
            shard.truncate(SHARD)
    planned = tar_layers.plan_layers(tar_layers.tree_entries(tmp_path, "models"))
    file_layers = planned[1:]
    assert len(file_layers) <= tar_layers.MAX_FILE_LAYERS
    packed = [name for layer in file_layers for name, path in layer.entries if path.is_file()]
    assert packed == [f"models/shard-{number:05}.bin" for number in range(count)]
    assert [name for name, _ in planned[0].entries] == ["models"]


def test_every_platform_of_the_base_gets_the_same_model_layers(
    tmp_path: Path, two_platform_base: str
) -> None:
    make_model(tmp_path / "model")
    run = build(tmp_path, two_platform_base)
    assert run.exit_code == 0, run.log
    assert run.results["platforms"] == "linux/amd64,linux/arm64"
    image = tmp_path / "image"
    top = tagged(image, "modelcar")
    assert top["mediaType"] == "application/vnd.oci.image.index.v1+json"
    assert run.results["image-digest"] == top["digest"]
    index = document(image, top["digest"])
    assert [m["platform"]["architecture"] for m in index["manifests"]] == ["amd64", "arm64"]
    manifests = [document(image, m["digest"]) for m in index["manifests"]]
    assert manifests[0]["layers"][0] != manifests[1]["layers"][0]
    assert manifests[0]["layers"][1:] == manifests[1]["layers"][1:]
    model_bytes = sum(layer["size"] for layer in manifests[0]["layers"][1:])
    on_disk = sum(path.stat().st_size for path in (image / "blobs" / "sha256").iterdir())
    assert model_bytes < on_disk < model_bytes + (4 << 20)
    inspected = subprocess.run(
        ["skopeo", "--override-arch", "arm64", "inspect", f"oci:{image}:modelcar"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(inspected.stdout)["Architecture"] == "arm64"


def test_one_platform_is_taken_when_asked_and_a_missing_one_is_named(
    tmp_path: Path, two_platform_base: str
) -> None:
    make_model(tmp_path / "model")
    run = build(tmp_path, two_platform_base, platform="linux/arm64")
    assert run.exit_code == 0, run.log
    assert run.results["platforms"] == "linux/arm64"
    top = tagged(tmp_path / "image", "modelcar")
    assert top["mediaType"] == "application/vnd.oci.image.manifest.v1+json"
    missing = build(tmp_path, two_platform_base, platform="linux/s390x")
    assert missing.exit_code != 0
    assert "linux/s390x" in missing.log


def test_provenance_is_in_labels_and_annotations_and_no_base_label_survives(
    built: tuple[Path, TaskResult], base: str
) -> None:
    workspace, run = built
    image = workspace / "image"
    manifest = document(image, tagged(image, "modelcar")["digest"])
    config = document(image, manifest["config"]["digest"])
    base_digest = str(run.results["BASE_IMAGE_REF"]).rsplit("@", 1)[1]
    assert run.results["BASE_IMAGE_REF"] == f"{base}@{base_digest}"
    expected = {
        "org.opencontainers.image.title": "Example-Model",
        "org.opencontainers.image.version": "7b-bf16",
        "org.opencontainers.image.source": "https://huggingface.co/example-org/example-model",
        "org.opencontainers.image.revision": COMMIT,
        "org.opencontainers.image.created": "2025-01-30T12:34:56Z",
        "org.opencontainers.image.base.name": base,
        "org.opencontainers.image.base.digest": base_digest,
        "name": "Example-Model",
    }
    labels = config["config"]["Labels"]
    assert expected.items() <= labels.items()
    assert expected.items() <= manifest["annotations"].items()
    assert "vendor" not in labels and labels["name"] != "busybox"
    assert config["created"] == "2025-01-30T12:34:56Z"


def test_the_sbom_lists_every_file_with_its_sha256_and_names_the_image(
    built: tuple[Path, TaskResult],
) -> None:
    workspace, run = built
    image = workspace / "image"
    artifact = document(image, tagged(image, "sbom")["digest"])
    assert artifact["artifactType"] == "application/spdx+json"
    assert artifact["subject"]["digest"] == run.results["image-digest"]
    sbom = document(image, artifact["layers"][0]["digest"])
    model = workspace / "model"
    assert {f["fileName"]: f["checksums"][0]["checksumValue"] for f in sbom["files"]} == {
        f"/models/{path.relative_to(model).as_posix()}": hashlib.sha256(
            path.read_bytes()
        ).hexdigest()
        for path in model.rglob("*")
        if path.is_file()
    }
    packages = {package["SPDXID"]: package for package in sbom["packages"]}
    assert packages["SPDXRef-Image"]["versionInfo"] == run.results["image-digest"]
    assert packages["SPDXRef-Model"]["versionInfo"] == COMMIT
    assert packages["SPDXRef-Model"]["externalRefs"][0]["referenceLocator"] == (
        f"pkg:huggingface/example-org/example-model@{COMMIT}"
    )
    assert (
        packages["SPDXRef-Base"]["versionInfo"] == str(run.results["BASE_IMAGE_REF"]).rsplit("@")[1]
    )
    assert sbom["creationInfo"]["created"] == "2025-01-30T12:34:56Z"


def uploaded(registry_log: Path, digest: str, since: int) -> bool:
    """Whether the registry's log from byte `since` on shows `digest` sent to it (the PUT that
    ends an upload)."""
    return any(
        '"PUT ' in line or "http.request.method=PUT" in line
        for line in registry_log.read_bytes()[since:].decode().splitlines()
        if f"digest={digest}" in line.replace("%3A", ":")
    )


def registry_copy(registry: Registry, source: str, destination: str) -> str:
    """skopeo copy to the loopback registry, every platform; its output."""
    completed = subprocess.run(
        [
            *("skopeo", "copy", "--all", "--preserve-digests"),
            *("--dest-cert-dir", str(registry.authority.trust_dir)),
            *("--dest-creds", f"{USER}:{PASSWORD}"),
            source,
            f"docker://{registry.host}/{destination}",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return completed.stdout + completed.stderr


def test_a_registry_base_is_built_from_the_digest_its_tag_named(
    tmp_path: Path, registry: Registry, two_platform_base: str
) -> None:
    registry_copy(registry, two_platform_base, "base/busybox:1")
    make_model(tmp_path / "model")
    run = run_task(
        build_modelcar_image,
        {"base-image": f"{registry.host}/base/busybox:1"},
        {
            "source": tmp_path,
            "registry-auth": registry.write_authfile(tmp_path / "auth"),
            "ca-bundle": registry.write_ca_bundle(tmp_path / "ca"),
        },
    )
    assert run.exit_code == 0, run.log
    digest = registry.digest("base/busybox", "1")
    assert run.results["BASE_IMAGE_REF"] == f"{registry.host}/base/busybox@{digest}"
    assert run.results["platforms"] == "linux/amd64,linux/arm64"


def test_a_multi_platform_push_keeps_the_index_and_a_retry_sends_only_missing_layers(
    tmp_path: Path, registry: Registry, two_platform_base: str
) -> None:
    """A registry that already holds some of the image's layers (as after a push that failed
    part-way) is sent only the others: skopeo checks each layer before sending it."""
    first = tmp_path / "first"
    (first / "model").mkdir(parents=True)
    (first / "model" / "model-00001-of-00002.safetensors").write_bytes(b"\x01" * SHARD)
    assert build(first, two_platform_base).exit_code == 0
    registry_copy(registry, f"oci:{first / 'image'}:modelcar", "org/partial:seed")
    make_model(tmp_path / "model")
    built_run = build(tmp_path, two_platform_base)
    digest = built_run.results["image-digest"]
    seeded = registry.log.stat().st_size
    run = run_task(
        push_to_quay,
        {
            "registry-host": registry.host,
            "repository": "org/partial",
            "tag": "v1",
            "expected-digest": digest,
            "retries": "1",
        },
        {
            "source": tmp_path,
            "registry-auth": registry.write_authfile(tmp_path / "auth"),
            "ca-bundle": registry.write_ca_bundle(tmp_path / "ca"),
        },
        env={"RETRY_DELAY_SECONDS": "0"},
    )
    assert run.exit_code == 0, run.log
    assert run.results["image-digest"] == digest
    pushed = json.loads(registry.manifest("org/partial", "v1"))
    assert [m["platform"]["architecture"] for m in pushed["manifests"]] == ["amd64", "arm64"]
    shard_layers = document(tmp_path / "image", pushed["manifests"][0]["digest"])["layers"][2:4]
    assert not uploaded(registry.log, shard_layers[0]["digest"], seeded), "a held layer was resent"
    assert uploaded(registry.log, shard_layers[1]["digest"], seeded)


def rewrite_base(reference: str, change: Callable[[dict[str, Any]], None]) -> str:
    """A copy of a one-platform base layout whose config `change` rewrote, digests made whole
    again: a base a registry would serve, however odd its config."""
    source = Path(reference.removeprefix("oci:").rsplit(":", 1)[0])
    layout = source.with_name(f"{source.name}-rewritten-{len(list(source.parent.iterdir()))}")
    shutil.copytree(source, layout)
    index_json = json.loads((layout / "index.json").read_text())
    top = index_json["manifests"][0]
    manifest = document(layout, top["digest"])
    config = document(layout, manifest["config"]["digest"])
    change(config)
    body = json.dumps(config).encode()
    (layout / "blobs" / "sha256" / hashlib.sha256(body).hexdigest()).write_bytes(body)
    manifest["config"].update(digest=f"sha256:{hashlib.sha256(body).hexdigest()}", size=len(body))
    body = json.dumps(manifest).encode()
    (layout / "blobs" / "sha256" / hashlib.sha256(body).hexdigest()).write_bytes(body)
    top.update(digest=f"sha256:{hashlib.sha256(body).hexdigest()}", size=len(body))
    (layout / "index.json").write_text(json.dumps(index_json))
    return f"oci:{layout}:latest"


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda config: config.update(rootfs="x"), id="rootfs a string"),
        pytest.param(lambda config: config.update(config=None), id="config null"),
        pytest.param(lambda config: config.update(os=5), id="os a number"),
        pytest.param(lambda config: config.update(architecture="../amd64"), id="arch a path"),
    ],
)
def test_a_base_whose_config_is_not_oci_is_named_not_a_traceback(
    tmp_path: Path, base: str, change: Callable[[dict[str, Any]], None]
) -> None:
    make_model(tmp_path / "model")
    run = build(tmp_path, rewrite_base(base, change))
    assert (run.exit_code, run.failed_step) == (1, "add-model-layer"), run.log
    assert "Traceback" not in run.log
    assert "base image" in run.log
    assert not (tmp_path / "image").exists()


def test_a_failed_build_leaves_the_previous_image_and_a_variant_matches_its_platform(
    tmp_path: Path, base: str
) -> None:
    """linux/arm64 takes a base's linux/arm64/v8, as skopeo does; a platform the base lacks
    fails before the image that was there is replaced."""
    variant_base = busybox_base(tmp_path / "base", platforms=("linux/amd64", "linux/arm64/v8"))
    make_model(tmp_path / "ws" / "model")
    arm = build(tmp_path / "ws", variant_base, platform="linux/arm64")
    assert arm.exit_code == 0, arm.log
    assert arm.results["platforms"] == "linux/arm64/v8"
    index_before = (tmp_path / "ws" / "image" / "index.json").read_bytes()
    from_index = build(tmp_path / "ws", variant_base, platform="linux/s390x")
    assert (from_index.exit_code, from_index.failed_step) == (1, "fetch-base"), from_index.log
    assert "no image found in image index for architecture s390x" in from_index.log
    single = build(tmp_path / "ws", base, platform="linux/s390x")
    assert (single.exit_code, single.failed_step) == (1, "add-model-layer"), single.log
    assert "is for linux/amd64, not linux/s390x" in single.log
    assert (tmp_path / "ws" / "image" / "index.json").read_bytes() == index_before


def test_a_date_that_does_not_exist_is_refused_before_anything_is_built(
    tmp_path: Path, base: str
) -> None:
    make_model(tmp_path / "model")
    run = build(tmp_path, base, **{**PROVENANCE, "model-created": "2025-13-45T25:61:61Z"})
    assert run.exit_code == 2, run.log
    assert "model-created '2025-13-45T25:61:61Z' is not a time that exists" in run.log
    assert not (tmp_path / "image").exists()


def test_an_empty_model_directory_is_refused(tmp_path: Path, base: str) -> None:
    (tmp_path / "model" / "empty").mkdir(parents=True)
    run = build(tmp_path, base)
    assert run.exit_code == 1
    assert "holds no files; did download-model run?" in run.log


def test_a_file_that_grows_while_packed_fails_the_build(tmp_path: Path) -> None:
    """The layer's hash covers exactly the size its header declares; more bytes fail the build
    instead of naming the blob with a digest its bytes do not have."""
    (tmp_path / "weights.bin").write_bytes(b"\x01" * 1000)
    pieces = tar_layers.tar_pieces(tar_layers.tree_entries(tmp_path, "models"))
    with open(tmp_path / "weights.bin", "ab") as grown:
        grown.write(b"\x02")
    with pytest.raises(tar_layers.PackError, match="changed size while it was being added"):
        tar_layers.hash_pieces(pieces)


def test_a_file_name_that_is_not_utf8_is_refused(tmp_path: Path) -> None:
    (tmp_path / os.fsdecode(b"w\xff.bin")).write_bytes(b"\x01")
    with pytest.raises(tar_layers.PackError, match="is not a UTF-8 file name"):
        tar_layers.tree_entries(tmp_path, "models")


def test_an_image_without_its_sbom_is_not_pushed(built: tuple[Path, TaskResult]) -> None:
    """The SBOM goes with the image: verification (the build's last check and every push's
    first) fails when it is missing or describes another image."""
    workspace = built[0]
    copy = workspace.with_name(workspace.name + "-no-sbom")
    shutil.copytree(workspace / "image", copy / "image")
    index = json.loads((copy / "image" / "index.json").read_text())
    index["manifests"] = [m for m in index["manifests"] if "sbom" not in m["annotations"].values()]
    (copy / "image" / "index.json").write_text(json.dumps(index))
    run = run_task(
        build_modelcar_image,
        {},
        {"source": copy, "registry-auth": None, "ca-bundle": None},
        steps=["verify"],
    )
    assert (run.exit_code, run.failed_step) == (1, "verify"), run.log
    assert "names 0 SBOMs tagged 'sbom', not one" in run.log
