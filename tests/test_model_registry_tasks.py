"""register-model and publish-results, run for real against the Model Registry's contract.

The Model Registry server cannot run here: `tests/model_registry_server.py` answers from memory
over TLS (a CA these tests make) and checks every request and response against the published
OpenAPI contract with openapi-core. The scripts are the compiled Tasks' real steps.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug.wrappers import Request, Response

from modelcar_dsl.project.local_run import run_task
from modelcar_dsl.running.local import TaskResult
from modelcar_tasks.publish_results import publish_results
from modelcar_tasks.register_model import register_model
from tests.model_registry_server import TOKEN, ModelRegistryStandIn, running_model_registry
from tests.tls import LoopbackAuthority, free_port, make_authority
from tests.wsgi_server import serving

IMAGE = "quay.io/private-ai-demo/mistral-24b-quantized@sha256:" + "a" * 64
SECRETS = {"model-registry-token": {"token": TOKEN}}


@pytest.fixture(scope="module")
def authority(tmp_path_factory: pytest.TempPathFactory) -> LoopbackAuthority:
    return make_authority(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def registry(authority: LoopbackAuthority) -> Iterator[ModelRegistryStandIn]:
    with running_model_registry(authority) as store:
        yield store
        assert store.violations == []


@pytest.fixture
def ca_bundle(authority: LoopbackAuthority, tmp_path: Path) -> Path:
    bundle = tmp_path / "ca-bundle"
    bundle.mkdir()
    (bundle / "ca-bundle.crt").write_bytes(authority.ca_cert.read_bytes())
    return bundle


REVISION = "0123456789abcdef0123456789abcdef01234567"
SBOM = "quay.io/private-ai-demo/mistral-24b-quantized@sha256:" + "c" * 64


def register(
    registry: ModelRegistryStandIn,
    ca_bundle: Path | None,
    image: str = IMAGE,
    *,
    secrets: dict[str, dict[str, str]] = SECRETS,
    service_account: Path = Path("/nonexistent"),
) -> TaskResult:
    return run_task(
        register_model,
        {
            "registry-url": registry.base_url,
            "model-name": "Mistral-24B-Instruct",
            "version-name": "24b-w4a16-1gpu",
            "image-ref": image,
            "internal-image-ref": "image-registry.openshift-image-registry.svc:5000/x/y@sha256:"
            + "b" * 64,
            "model-revision": REVISION,
            "sbom-ref": SBOM,
        },
        {"ca-bundle": ca_bundle},
        secrets=secrets,
        env={"SERVICE_ACCOUNT_DIR": str(service_account)},
    )


def publish(
    registry: ModelRegistryStandIn, workspace: Path, ca_bundle: Path, version: str
) -> TaskResult:
    return run_task(
        publish_results,
        {
            "registry-url": registry.base_url,
            "model-name": "Mistral-24B-Instruct",
            "version-name": version,
        },
        {"source": workspace, "ca-bundle": ca_bundle},
        secrets=SECRETS,
        env={"SERVICE_ACCOUNT_DIR": "/nonexistent"},
    )


def test_register_creates_model_version_and_artifact(
    registry: ModelRegistryStandIn, ca_bundle: Path
) -> None:
    run = register(registry, ca_bundle)
    assert run.exit_code == 0, run.log
    model_id = str(run.results["registered-model-id"])
    version_id = str(run.results["model-version-id"])
    artifact = registry.artifacts[str(run.results["model-artifact-id"])]
    assert registry.models[model_id]["name"] == "Mistral-24B-Instruct"
    assert registry.versions[version_id]["name"] == "24b-w4a16-1gpu"
    assert registry.versions[version_id]["registeredModelId"] == model_id
    assert artifact["uri"] == f"oci://{IMAGE}"
    assert artifact["artifactType"] == "model-artifact"
    assert artifact["customProperties"]["internal_image"]["metadataType"] == "MetadataStringValue"
    assert registry.version_artifacts[version_id] == [artifact["id"]]
    properties = registry.versions[version_id]["customProperties"]
    assert properties["revision"]["metadataType"] == "MetadataStringValue"
    assert properties["revision"]["string_value"] == REVISION
    assert properties["sbom"]["string_value"] == SBOM


def test_a_version_registered_without_provenance_gets_it_on_the_next_run(
    registry: ModelRegistryStandIn, ca_bundle: Path
) -> None:
    """A version an earlier build registered (before revisions and SBOMs were recorded) gains
    them when the same image is registered again; nothing else is written."""
    first = register(registry, ca_bundle)
    version_id = str(first.results["model-version-id"])
    registry.versions[version_id].pop("customProperties")
    again = register(registry, ca_bundle)
    assert again.exit_code == 0, again.log
    assert again.results == first.results
    properties = registry.versions[version_id]["customProperties"]
    assert properties["revision"]["string_value"] == REVISION
    assert properties["sbom"]["string_value"] == SBOM
    assert registry.violations == []


def test_register_again_finds_everything_and_writes_nothing(
    registry: ModelRegistryStandIn, ca_bundle: Path
) -> None:
    first = register(registry, ca_bundle)
    writes = registry.writes()
    second = register(registry, ca_bundle)
    assert second.exit_code == 0, second.log
    assert second.results == first.results
    assert registry.writes() == writes
    assert "was registered already" in second.log


def test_a_new_digest_under_an_existing_version_is_refused(
    registry: ModelRegistryStandIn, ca_bundle: Path
) -> None:
    assert register(registry, ca_bundle).exit_code == 0
    other = IMAGE.replace("a" * 64, "b" * 64)
    run = register(registry, ca_bundle, image=other)
    assert run.exit_code == 1
    assert f"is registered with oci://{IMAGE}, not oci://{other}" in run.log
    assert "give this build a new version name in the catalogue" in run.log


def test_an_untrusted_registry_certificate_is_named(registry: ModelRegistryStandIn) -> None:
    run = register(registry, ca_bundle=None)
    assert run.exit_code == 1
    assert f"cannot reach the Model Registry at {registry.base_url}" in run.log
    assert "CERTIFICATE_VERIFY_FAILED" in run.log
    assert "bind a ca-bundle workspace" in run.log


def test_a_missing_token_is_explained(registry: ModelRegistryStandIn, ca_bundle: Path) -> None:
    run = register(registry, ca_bundle, secrets={})
    assert run.exit_code == 1
    assert "401" in run.log and "model-registry-token Secret" in run.log


def test_the_service_account_token_signs_in_when_no_secret_is_given(
    registry: ModelRegistryStandIn, ca_bundle: Path, tmp_path: Path
) -> None:
    account = tmp_path / "serviceaccount"
    account.mkdir()
    (account / "token").write_text(TOKEN + "\n")
    run = register(registry, None, secrets={}, service_account=account)
    assert run.exit_code == 1, "the service CA is not in the account dir yet"
    (account / "service-ca.crt").write_bytes((ca_bundle / "ca-bundle.crt").read_bytes())
    run = register(registry, None, secrets={}, service_account=account)
    assert run.exit_code == 0, run.log


def write_metrics(workspace: Path, values: dict[str, float]) -> None:
    results = workspace / "results"
    results.mkdir(parents=True, exist_ok=True)
    (results / "lm-eval.metrics.json").write_text(json.dumps(values))
    (results / "guidellm.metrics.json").write_text(json.dumps({"guidellm/ttft_p95_ms": 210.5}))


def test_publish_attaches_metrics_to_the_registered_version_and_updates_on_rerun(
    registry: ModelRegistryStandIn, ca_bundle: Path, tmp_path: Path
) -> None:
    registered = register(registry, ca_bundle)
    write_metrics(tmp_path, {"lm-eval/arc_easy/acc": 0.8, "lm-eval/hellaswag/acc": 0.6})
    run = publish(registry, tmp_path, ca_bundle, "24b-w4a16-1gpu")
    assert run.exit_code == 0, run.log
    version_id = str(registered.results["model-version-id"])
    assert run.results == {"metric-count": "3", "model-version-id": version_id}

    def metrics() -> dict[str, float]:
        found = [registry.artifacts[i] for i in registry.version_artifacts[version_id]]
        return {a["name"]: a["value"] for a in found if a["artifactType"] == "metric"}

    assert metrics() == {
        "guidellm/ttft_p95_ms": 210.5,
        "lm-eval/arc_easy/acc": 0.8,
        "lm-eval/hellaswag/acc": 0.6,
    }
    write_metrics(tmp_path, {"lm-eval/arc_easy/acc": 0.81, "lm-eval/hellaswag/acc": 0.6})
    assert publish(registry, tmp_path, ca_bundle, "24b-w4a16-1gpu").exit_code == 0
    assert metrics()["lm-eval/arc_easy/acc"] == 0.81
    assert len(registry.version_artifacts[version_id]) == 4, "updated in place, not duplicated"


def test_publish_to_a_version_the_build_never_registered_names_what_exists(
    registry: ModelRegistryStandIn, ca_bundle: Path, tmp_path: Path
) -> None:
    assert register(registry, ca_bundle).exit_code == 0
    write_metrics(tmp_path, {"lm-eval/arc_easy/acc": 0.8})
    run = publish(registry, tmp_path, ca_bundle, "quantized-w4a16-2501")
    assert run.exit_code == 1
    assert (
        "RegisteredModel 'Mistral-24B-Instruct' has no version 'quantized-w4a16-2501' "
        "(it has: '24b-w4a16-1gpu')"
    ) in run.log


def test_a_plain_http_registry_url_is_refused_before_the_token_is_sent(
    ca_bundle: Path, tmp_path: Path
) -> None:
    account = tmp_path / "sa"
    account.mkdir()
    (account / "token").write_text("service-account-token")
    run = run_task(
        register_model,
        {
            "registry-url": "http://127.0.0.1:9",
            "model-name": "Mistral-24B-Instruct",
            "version-name": "24b-w4a16-1gpu",
            "image-ref": IMAGE,
        },
        {"ca-bundle": ca_bundle},
        env={"SERVICE_ACCOUNT_DIR": str(account)},
    )
    assert run.exit_code == 2
    assert "error: registry-url 'http://127.0.0.1:9' is plain http://" in run.log


def test_a_redirect_to_plain_http_is_not_followed(
    authority: LoopbackAuthority, ca_bundle: Path
) -> None:
    """An https registry answering with a redirect to http:// would take the request (and the
    body) off TLS: the step stops instead of following it."""
    plain_port, tls_port = free_port(), free_port()
    plain_requests: list[str] = []

    @Request.application
    def plain(request: Request) -> Response:
        plain_requests.append(request.path)
        return Response("{}", content_type="application/json")

    @Request.application
    def redirecting(request: Request) -> Response:
        return Response(
            status=302, headers={"Location": f"http://127.0.0.1:{plain_port}{request.path}"}
        )

    with serving(plain, plain_port), serving(redirecting, tls_port, authority):
        run = run_task(
            register_model,
            {
                "registry-url": f"https://localhost:{tls_port}",
                "model-name": "Mistral-24B-Instruct",
                "version-name": "24b-w4a16-1gpu",
                "image-ref": IMAGE,
            },
            {"ca-bundle": ca_bundle},
            secrets=SECRETS,
            env={"SERVICE_ACCOUNT_DIR": "/nonexistent"},
        )
    assert run.exit_code == 2, run.log
    assert f"error: redirect 'http://127.0.0.1:{plain_port}/" in run.log
    assert "is plain http://" in run.log
    assert plain_requests == []
