"""download-model, run for real: S3 against moto on loopback, hf:// against a Hub stand-in.

moto (server mode) checks the script's AWS Signature V4 on every request; its checker
mis-handles "/" inside query values, so the prefixes here are one level deep. The Hub cannot be
reached from tests, so `tests/hub_server.py` serves the two Hub endpoints the script uses.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from modelcar_dsl.project.local_run import run_task
from modelcar_dsl.running.local import TaskResult
from modelcar_tasks.download_model import download_model
from tests.hub_server import COMMIT, HubStandIn, running_hub
from tests.s3_server import S3Server, running_s3
from tests.tls import free_port

FILES = {
    "config.json": b'{"model_type": "mistral"}',
    "model-00001-of-00002.safetensors": bytes(range(256)) * 2000,
    "model-00002-of-00002.safetensors": b"\x07" * 300_000,
    "tokenizer/tokenizer.json": b"{}",
}
REPO_ID = "RedHatAI/Mistral-Small-24B-Instruct-2501-quantized.w4a16"


@pytest.fixture(scope="module")
def s3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    with running_s3(tmp_path_factory.mktemp("moto")) as server:
        server.put("models", {f"mistral/{name}": data for name, data in FILES.items()})
        yield server


def download_s3(s3: S3Server, workspace: Path, source: str, **params: object) -> TaskResult:
    return run_task(
        download_model,
        {"source": source, "s3-endpoint": s3.endpoint, **params},  # type: ignore[dict-item]
        {"source": workspace, "ca-bundle": None},
        secrets={
            "s3-credentials": {
                "AWS_ACCESS_KEY_ID": s3.access_key,
                "AWS_SECRET_ACCESS_KEY": s3.secret_key,
            }
        },
        env={"RETRY_DELAY_SECONDS": "0", "INSECURE_HOSTS": s3.host},
    )


def model_files(workspace: Path) -> dict[str, bytes]:
    model = workspace / "model"
    return {
        p.relative_to(model).as_posix(): p.read_bytes() for p in model.rglob("*") if p.is_file()
    }


def newest_s3_change(s3: S3Server) -> str:
    """The newest LastModified moto gives the objects, in RFC 3339 UTC to the second."""
    listing = s3.client().list_objects_v2(Bucket="models", Prefix="mistral")["Contents"]
    newest = max(item["LastModified"] for item in listing)
    return str(newest.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))


def test_s3_download_writes_the_files_a_manifest_and_results(s3: S3Server, tmp_path: Path) -> None:
    run = download_s3(s3, tmp_path, "s3://models/mistral")
    assert run.exit_code == 0, run.log
    assert model_files(tmp_path) == FILES
    assert run.results == {
        "file-count": "4",
        "model-size-bytes": str(sum(len(d) for d in FILES.values())),
        "revision": "",
        "revision-date": newest_s3_change(s3),
    }
    manifest = json.loads((tmp_path / "model-manifest.json").read_text())
    assert manifest["files"] == [
        {"path": name, "size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
        for name, data in sorted(FILES.items())
    ]
    assert not (tmp_path / ".download").exists()
    for path in (tmp_path / "model").rglob("*"):
        if path.is_file():
            assert path.stat().st_mode & 0o040, f"{path} is not group-readable"


def test_s3_rerun_skips_complete_files_and_removes_stale_ones(s3: S3Server, tmp_path: Path) -> None:
    assert download_s3(s3, tmp_path, "s3://models/mistral").exit_code == 0
    (tmp_path / "model" / "left-over.bin").write_bytes(b"old")
    run = download_s3(s3, tmp_path, "s3://models/mistral")
    assert run.exit_code == 0, run.log
    assert "4 files, 4 already complete, 0 to download" in run.log
    assert model_files(tmp_path) == FILES


def test_s3_include_patterns_select_files(s3: S3Server, tmp_path: Path) -> None:
    run = download_s3(s3, tmp_path, "s3://models/mistral/", include=["*.json", "tokenizer/*"])
    assert run.exit_code == 0, run.log
    assert sorted(model_files(tmp_path)) == ["config.json", "tokenizer/tokenizer.json"]


def test_s3_with_wrong_credentials_fails_with_the_servers_reason(
    s3: S3Server, tmp_path: Path
) -> None:
    run = run_task(
        download_model,
        {"source": "s3://models/mistral", "s3-endpoint": s3.endpoint},
        {"source": tmp_path, "ca-bundle": None},
        secrets={
            "s3-credentials": {"AWS_ACCESS_KEY_ID": s3.access_key, "AWS_SECRET_ACCESS_KEY": "no"}
        },
        env={"INSECURE_HOSTS": s3.host},
    )
    assert run.exit_code == 1
    assert "listing s3://models/mistral/ failed (403)" in run.log
    assert "SignatureDoesNotMatch" in run.log


def test_s3_without_credentials_names_the_secret(tmp_path: Path) -> None:
    run = run_task(
        download_model, {"source": "s3://models/x"}, {"source": tmp_path, "ca-bundle": None}
    )
    assert run.exit_code == 1
    assert "put AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the s3-credentials Secret" in (
        run.log
    )


def download_hf(
    hub: HubStandIn,
    workspace: Path,
    token: str | None = None,
    revision: str = "",
    include: tuple[str, ...] = (),
    env: dict[str, str] | None = None,
) -> TaskResult:
    return run_task(
        download_model,
        {
            "source": f"hf://{hub.repo}{revision}",
            "hf-endpoint": hub.base_url,
            "include": list(include),
        },
        {"source": workspace, "ca-bundle": None},
        secrets={"hf-token": {"token": token}} if token else {},
        env={"RETRY_DELAY_SECONDS": "0", "INSECURE_HOSTS": hub.host, **(env or {})},
    )


def test_hf_download_pins_the_commit_and_verifies_sha256(tmp_path: Path) -> None:
    with running_hub(HubStandIn(REPO_ID, FILES, token="hf_secret")) as hub:
        run = download_hf(hub, tmp_path, token="hf_secret")
        assert run.exit_code == 0, run.log
        assert model_files(tmp_path) == FILES
        assert run.results["revision"] == COMMIT
        assert run.results["revision-date"] == "2025-01-30T12:34:56Z"
        cdn = [r for r in hub.requests if r["path"].startswith("/cdn/")]
        assert len(cdn) == 4
        assert all(r["authorization"] is None for r in cdn), "token sent to the CDN"


def test_hf_gated_repo_without_token_names_the_secret(tmp_path: Path) -> None:
    with running_hub(HubStandIn(REPO_ID, FILES, token="hf_secret")) as hub:
        run = download_hf(hub, tmp_path)
    assert run.exit_code == 1
    assert f"{REPO_ID} is gated or private (401): put a token with access in the hf-token" in (
        run.log
    )


def test_hf_download_resumes_a_cut_connection_with_a_range_request(tmp_path: Path) -> None:
    name = "model-00001-of-00002.safetensors"
    with running_hub(HubStandIn(REPO_ID, {name: FILES[name]}, cut_after=100_000)) as hub:
        run = download_hf(hub, tmp_path)
        assert run.exit_code == 0, run.log
        assert model_files(tmp_path) == {name: FILES[name]}
        ranges = [r["range"] for r in hub.requests if r["path"] == f"/cdn/{name}"]
        assert ranges == [None, "bytes=100000-"]
        assert hub.bytes_served(name) == len(FILES[name])
    assert "resuming at byte 100000" in run.log


def test_hf_download_continues_a_part_file_left_by_a_killed_run(tmp_path: Path) -> None:
    name = "model-00002-of-00002.safetensors"
    parts = tmp_path / ".download"
    parts.mkdir()
    part = parts / (hashlib.sha256(name.encode()).hexdigest() + ".part")
    part.write_bytes(FILES[name][:123_456])
    with running_hub(HubStandIn(REPO_ID, {name: FILES[name]})) as hub:
        run = download_hf(hub, tmp_path)
        assert run.exit_code == 0, run.log
        assert hub.bytes_served(name) == len(FILES[name]) - 123_456
    assert model_files(tmp_path) == {name: FILES[name]}
    manifest = json.loads((tmp_path / "model-manifest.json").read_text())
    assert manifest["files"][0]["sha256"] == hashlib.sha256(FILES[name]).hexdigest()


def test_hf_corrupt_part_file_is_caught_by_the_hubs_sha256(tmp_path: Path) -> None:
    name = "config.json"
    parts = tmp_path / ".download"
    parts.mkdir()
    (parts / (hashlib.sha256(name.encode()).hexdigest() + ".part")).write_bytes(b"XXXX")
    with running_hub(HubStandIn(REPO_ID, {name: FILES[name]})) as hub:
        run = download_hf(hub, tmp_path)
    assert run.exit_code == 1
    assert f"{name}: sha256" in run.log and "does not match the Hub's" in run.log
    assert not (tmp_path / "model" / name).exists()


@pytest.mark.parametrize(
    ("listing", "message"),
    [
        ((500, b"upstream down"), "/revision/main?blobs=true failed: 500 INTERNAL SERVER ERROR"),
        ((200, b"<html>a login page</html>"), "/revision/main?blobs=true answered an unexpected"),
    ],
    ids=["an error status", "not JSON"],
)
def test_a_broken_hub_listing_fails_with_what_it_answered(
    tmp_path: Path, listing: tuple[int, bytes], message: str
) -> None:
    with running_hub(HubStandIn(REPO_ID, FILES, listing=listing)) as hub:
        run = download_hf(hub, tmp_path)
    assert run.exit_code == 1, run.log
    assert message in run.log
    assert "Traceback" not in run.log


@pytest.mark.parametrize("source", [f"hf://{REPO_ID}", "s3://models/mistral"])
def test_an_endpoint_nobody_answers_on_fails_with_the_reason(tmp_path: Path, source: str) -> None:
    """A mistyped endpoint: the step names the URL and the reason, no traceback."""
    host = f"127.0.0.1:{free_port()}"
    endpoint = "hf-endpoint" if source.startswith("hf://") else "s3-endpoint"
    run = run_task(
        download_model,
        {"source": source, endpoint: f"http://{host}"},
        {"source": tmp_path, "ca-bundle": None},
        secrets={"s3-credentials": {"AWS_ACCESS_KEY_ID": "a", "AWS_SECRET_ACCESS_KEY": "b"}},
        env={"RETRY_DELAY_SECONDS": "0", "INSECURE_HOSTS": host},
    )
    assert run.exit_code == 1, run.log
    assert f"error: cannot reach http://{host}/" in run.log
    assert "Connection refused" in run.log
    assert "Traceback" not in run.log


def test_a_plain_http_endpoint_the_project_does_not_list_is_refused_before_any_request(
    tmp_path: Path,
) -> None:
    """The Hub token would cross the network in clear text: the step refuses the endpoint
    unless [tool.modelcar] insecure_registries lists its host (INSECURE_HOSTS in the Task)."""
    with running_hub(HubStandIn(REPO_ID, FILES, token="hf_secret")) as hub:
        run = run_task(
            download_model,
            {"source": f"hf://{hub.repo}", "hf-endpoint": hub.base_url},
            {"source": tmp_path, "ca-bundle": None},
            secrets={"hf-token": {"token": "hf_secret"}},
        )
        assert run.exit_code == 2
        assert f"error: hf-endpoint '{hub.base_url}' is plain http://" in run.log
        assert hub.requests == []


def test_hf_a_pinned_commit_is_listed_at_that_commit_without_a_note(tmp_path: Path) -> None:
    with running_hub(HubStandIn(REPO_ID, FILES)) as hub:
        run = download_hf(hub, tmp_path, revision=f"@{COMMIT}")
        assert run.exit_code == 0, run.log
        listings = [r["path"] for r in hub.requests if r["path"].startswith("/api/")]
    assert listings == [f"/api/models/{REPO_ID}/revision/{COMMIT}"]
    assert run.results["revision"] == COMMIT
    assert "moves" not in run.log


def test_hf_a_moving_revision_names_the_commit_to_pin(tmp_path: Path) -> None:
    with running_hub(HubStandIn(REPO_ID, FILES)) as hub:
        run = download_hf(hub, tmp_path, revision="@main")
    assert run.exit_code == 0, run.log
    assert (
        f"note: 'main' moves; this run downloads commit {COMMIT}. Pin it in the catalogue: "
        f"hf://{REPO_ID}@{COMMIT}" in run.log
    )


def test_hf_a_listing_without_the_revisions_date_fails_before_downloading(
    tmp_path: Path,
) -> None:
    with running_hub(HubStandIn(REPO_ID, FILES, last_modified=None)) as hub:
        run = download_hf(hub, tmp_path)
        assert not [r for r in hub.requests if r["path"].startswith("/cdn/")]
    assert run.exit_code == 1, run.log
    assert "gives no lastModified for the revision" in run.log


MISTRAL_LAYOUT = {
    **FILES,
    "consolidated.safetensors": b"\x01" * 70_000,
    "params.json": b"{}",
}
"""A repository as Mistral ships one: the shards and the same weights consolidated."""


def test_hf_patterns_that_select_consolidated_weights_and_shards_are_refused(
    tmp_path: Path,
) -> None:
    with running_hub(HubStandIn(REPO_ID, MISTRAL_LAYOUT)) as hub:
        run = download_hf(hub, tmp_path, include=("*.json", "*.safetensors"))
        assert not [r for r in hub.requests if r["path"].startswith("/cdn/")]
    assert run.exit_code == 1, run.log
    assert (
        f"hf://{REPO_ID} with include ['*.json', '*.safetensors'] selects both consolidated "
        "weights (consolidated.safetensors) and shards (model-00001-of-00002.safetensors, "
        "model-00002-of-00002.safetensors (2 files)): the same weights twice, 70000 bytes "
        "(0.0 GiB) more to download and pack. Include one naming scheme: 'model-*.safetensors' "
        "for the shards" in run.log
    )
    assert not (tmp_path / "model").exists()


def test_hf_the_shards_pattern_leaves_the_consolidated_weights_out(tmp_path: Path) -> None:
    with running_hub(HubStandIn(REPO_ID, MISTRAL_LAYOUT)) as hub:
        run = download_hf(hub, tmp_path, include=("*.json", "model-*.safetensors"))
    assert run.exit_code == 0, run.log
    assert sorted(model_files(tmp_path)) == [
        "config.json",
        "model-00001-of-00002.safetensors",
        "model-00002-of-00002.safetensors",
        "params.json",
        "tokenizer/tokenizer.json",
    ]


def test_hf_a_model_larger_than_the_free_space_fails_before_any_byte(tmp_path: Path) -> None:
    """The listing claims a shard of 1 PiB: no test disk has that free, and nothing is fetched."""
    huge = 2**50
    name = "model-00001-of-00002.safetensors"
    with running_hub(HubStandIn(REPO_ID, FILES, listed_sizes={name: huge})) as hub:
        run = download_hf(hub, tmp_path)
        assert not [r for r in hub.requests if r["path"].startswith("/cdn/")]
    assert run.exit_code == 1, run.log
    total = huge + sum(len(data) for path, data in FILES.items() if path != name)
    found = re.search(
        rf"needs {total} bytes \(\d+\.\d GiB\) more in the workspace \({total} bytes "
        r"\(\d+\.\d GiB\) selected, 0 bytes \(0\.0 GiB\) already there\), but it has "
        r"(\d+) bytes \(\d+\.\d GiB\) free\. Give the run a bigger PVC",
        run.log,
    )
    assert found, run.log
    assert 0 < int(found[1]) < total
    assert f"the build needs about twice the weights, {2 * total} bytes" in run.log
    assert not list((tmp_path / "model").iterdir())


TOTAL = sum(len(data) for data in FILES.values())


def test_s3_a_model_larger_than_the_free_space_fails_before_any_byte(
    s3: S3Server, tmp_path: Path
) -> None:
    run = run_s3_with_free_space(s3, tmp_path, TOTAL - 1)
    assert run.exit_code == 1, run.log
    assert (
        f"s3://models/mistral needs {TOTAL} bytes (0.0 GiB) more in the workspace ({TOTAL} "
        f"bytes (0.0 GiB) selected, 0 bytes (0.0 GiB) already there), but it has {TOTAL - 1} "
        "bytes (0.0 GiB) free" in run.log
    )
    assert model_files(tmp_path) == {}


def test_s3_what_is_already_complete_or_partial_needs_no_room(s3: S3Server, tmp_path: Path) -> None:
    name = "model-00001-of-00002.safetensors"
    done = {path: data for path, data in FILES.items() if path != name}
    assert run_s3_with_free_space(s3, tmp_path, TOTAL, include=list(done)).exit_code == 0
    part = tmp_path / ".download" / (hashlib.sha256(name.encode()).hexdigest() + ".part")
    part.parent.mkdir()
    part.write_bytes(FILES[name][:1000])
    missing = len(FILES[name]) - 1000
    refused = run_s3_with_free_space(s3, tmp_path, missing - 1)
    assert refused.exit_code == 1, refused.log
    assert f"needs {missing} bytes (0.0 GiB) more" in refused.log
    assert f"{TOTAL - missing} bytes (0.0 GiB) already there" in refused.log
    accepted = run_s3_with_free_space(s3, tmp_path, missing)
    assert accepted.exit_code == 0, accepted.log
    assert model_files(tmp_path) == FILES


def run_s3_with_free_space(
    s3: S3Server, workspace: Path, free: int, include: list[str] | None = None
) -> TaskResult:
    """download-model told the file system has at most `free` bytes free (tests only)."""
    return run_task(
        download_model,
        {"source": "s3://models/mistral", "s3-endpoint": s3.endpoint, "include": include or []},
        {"source": workspace, "ca-bundle": None},
        secrets={
            "s3-credentials": {
                "AWS_ACCESS_KEY_ID": s3.access_key,
                "AWS_SECRET_ACCESS_KEY": s3.secret_key,
            }
        },
        env={
            "RETRY_DELAY_SECONDS": "0",
            "INSECURE_HOSTS": s3.host,
            "MODELCAR_TEST_FREE_BYTES": str(free),
        },
    )
