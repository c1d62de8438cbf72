"""Everything a local run of this repository's two pipelines reaches, on loopback: the Hub
stand-in serving a small generated model under the catalogue's repository id, two TLS registries
(docker-registry) as the internal registry and Quay, the Model Registry contract stand-in, a
busybox base image as an `oci:` layout, and, for model-testing, the Kubernetes API with a Ready
InferenceService and stand-ins for lm_eval and guidellm.

`loopback_services(DIR)` starts them for a test; `python3 -m tests.loopback_services DIR` starts
them for a person, prints the `modelcar run` command lines and serves until Ctrl-C or SIGTERM.
Either way DIR receives what the runs map: the trusted-CA ConfigMap, the registry-auth and token
Secrets, the base image, and `build.args` and `test.args`, one argument a line. Started again on
the same DIR, the registries keep their ports and storage, so `--from` works across a restart.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import random
import shlex
import signal
import struct
import sys
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import attrs

from pipelines.catalogue import MISTRAL_24B_QUANTIZED
from tests.evaluation_tools import GUIDELLM_REPORT, LM_EVAL_REPORT, stand_in
from tests.hub_server import HubStandIn, running_hub
from tests.kserve_server import kubernetes, service_account
from tests.model_registry_server import TOKEN, ModelRegistryStandIn, running_model_registry
from tests.oci_images import busybox_base
from tests.registry_server import PASSWORD, USER, Registry, running_registry
from tests.tls import LoopbackAuthority, free_port, make_authority

BUILD_RUN = f"{MISTRAL_24B_QUANTIZED.inference_service}-build"
TEST_RUN = f"{MISTRAL_24B_QUANTIZED.inference_service}-test"
REPO_ID = MISTRAL_24B_QUANTIZED.source.removeprefix("hf://").split("@", 1)[0]
SHARD_BYTES = 2 * 1024 * 1024


def model_files() -> dict[str, bytes]:
    """A Mistral-shaped repository of about 5 MB: config and tokenizer files, two safetensors
    shards, the model card, and consolidated weights the catalogue's include leaves out."""
    generator = random.Random(24)
    config = {"architectures": ["MistralForCausalLM"], "model_type": "mistral"}
    files = {
        "config.json": json.dumps(config).encode(),
        "generation_config.json": b'{"do_sample": false}',
        "tokenizer.json": b'{"version": "1.0", "model": {"type": "BPE"}}',
        "tokenizer_config.json": b'{"model_max_length": 32768}',
        "tokenizer.model": generator.randbytes(4096),
        "README.md": b"---\nlicense: apache-2.0\n---\n# A small stand-in for Mistral Small 24B\n",
        "consolidated.safetensors": _safetensors(generator, SHARD_BYTES // 4),
    }
    for shard in (1, 2):
        files[f"model-0000{shard}-of-00002.safetensors"] = _safetensors(generator, SHARD_BYTES)
    return files


def _safetensors(generator: random.Random, size: int) -> bytes:
    """A valid safetensors file: one F16 tensor of `size` random bytes."""
    header = json.dumps(
        {"weight": {"dtype": "F16", "shape": [size // 2], "data_offsets": [0, size]}}
    ).encode()
    return struct.pack("<Q", len(header)) + header + generator.randbytes(size)


@attrs.frozen
class LoopbackServices:
    """The running services and the directory holding what a run maps from them."""

    directory: Path
    hub: HubStandIn
    internal: Registry
    quay: Registry
    model_registry: ModelRegistryStandIn
    kubernetes: dict[str, Any]
    base_image: str
    _quay_stack: ExitStack

    @property
    def config_maps(self) -> dict[str, Path]:
        return {"trusted-ca-bundle": self.directory / "configmaps" / "trusted-ca-bundle"}

    @property
    def secrets(self) -> dict[str, Path]:
        return {
            name: self.directory / "secrets" / name
            for name in ("modelcar-registry-auth", "model-registry-token")
        }

    def build_params(self) -> dict[str, str]:
        """modelcar-build-deploy's params that point the build run at these services."""
        return {
            "hf-endpoint": self.hub.base_url,
            "base-image": self.base_image,
            "internal-registry-host": self.internal.host,
            "quay-host": self.quay.host,
            "registry-url": self.model_registry.base_url,
        }

    def test_env(self) -> dict[str, str]:
        """What a pod of model-testing has that this machine does not: the Kubernetes API's
        address, the ServiceAccount's files, and PATH with the lm_eval and guidellm stand-ins."""
        return {
            "KUBERNETES_SERVICE_HOST": "localhost",
            "KUBERNETES_SERVICE_PORT": str(self.kubernetes["port"]),
            "SERVICE_ACCOUNT_DIR": str(self.directory / "serviceaccount"),
            "POLL_SECONDS": "0",
            "PATH": f"{self.directory / 'bin'}:{os.environ['PATH']}",
            "RECORD": str(self.directory / "record"),
        }

    def mapped(self) -> list[str]:
        """--secret and --configmap options for both runs."""
        options = []
        for option, sources in (("--secret", self.secrets), ("--configmap", self.config_maps)):
            options += [
                argument
                for name, path in sources.items()
                for argument in (option, f"{name}={path}")
            ]
        return options

    def build_arguments(self) -> list[str]:
        params = [a for n, v in self.build_params().items() for a in ("--param", f"{n}={v}")]
        return [*params, *self.mapped()]

    def test_arguments(self) -> list[str]:
        params = ["--param", f"registry-url={self.model_registry.base_url}"]
        env = [a for n, v in self.test_env().items() for a in ("--env", f"{n}={v}")]
        return [*params, *env, *self.mapped()]

    def restart_quay(self, *, read_only: bool = False) -> None:
        """Stop Quay and start it again on the same port and storage."""
        self._quay_stack.close()
        port = int(self.quay.host.rsplit(":", 1)[1])
        self._quay_stack.enter_context(
            running_registry(self.directory / "quay", port=port, read_only=read_only)
        )


@contextmanager
def loopback_services(
    directory: Path, *, quay_read_only: bool = False
) -> Iterator[LoopbackServices]:
    """Start every service and write what the runs map into `directory`; `quay_read_only`
    starts Quay refusing writes, as a Quay in maintenance does."""
    directory.mkdir(parents=True, exist_ok=True)
    for name in ("build.args", "test.args"):
        (directory / name).unlink(missing_ok=True)
    authority = _authority(directory / "tls")
    with ExitStack() as stack:
        internal = stack.enter_context(
            running_registry(directory / "internal", port=_port(directory / "internal"))
        )
        quay_stack = stack.enter_context(ExitStack())
        quay = quay_stack.enter_context(
            running_registry(
                directory / "quay", port=_port(directory / "quay"), read_only=quay_read_only
            )
        )
        hub = stack.enter_context(running_hub(HubStandIn(REPO_ID, model_files()), authority))
        model_registry = stack.enter_context(running_model_registry(authority))
        cluster = stack.enter_context(kubernetes(authority, ready_after=1))
        services = LoopbackServices(
            directory,
            hub,
            internal,
            quay,
            model_registry,
            cluster,
            _base_image(directory / "base-image"),
            quay_stack,
        )
        _write_mapped(services, authority)
        _write_arguments(directory / "build.args", services.build_arguments())
        _write_arguments(directory / "test.args", services.test_arguments())
        yield services


def _authority(directory: Path) -> LoopbackAuthority:
    """The CA of the Hub, the Model Registry and the Kubernetes API, kept across restarts."""
    if (directory / "trust" / "ca.crt").is_file():
        return LoopbackAuthority(
            directory / "trust" / "ca.crt", directory / "server.crt", directory / "server.key"
        )
    return make_authority(directory)


def _port(registry: Path) -> int:
    """The port a registry had in this directory before, or a free one, remembered."""
    remembered = registry / "port"
    if not remembered.is_file():
        registry.mkdir(parents=True, exist_ok=True)
        remembered.write_text(str(free_port()))
    return int(remembered.read_text())


def _base_image(directory: Path) -> str:
    if (directory / "index.json").is_file():
        return f"oci:{directory}:latest"
    return busybox_base(directory)


def _write_mapped(services: LoopbackServices, authority: LoopbackAuthority) -> None:
    """The ConfigMap and Secrets as directories of keys, the ServiceAccount's files and the
    evaluation tools' stand-ins."""
    bundle = services.config_maps["trusted-ca-bundle"]
    bundle.mkdir(parents=True, exist_ok=True)
    cas = [authority.ca_cert, services.internal.authority.ca_cert, services.quay.authority.ca_cert]
    (bundle / "ca-bundle.crt").write_bytes(b"".join(path.read_bytes() for path in cas))
    auth = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    registries = {"auths": {r.host: {"auth": auth} for r in (services.internal, services.quay)}}
    _write_keys(
        services.secrets["modelcar-registry-auth"], {".dockerconfigjson": json.dumps(registries)}
    )
    _write_keys(services.secrets["model-registry-token"], {"token": TOKEN})
    account = services.directory / "serviceaccount"
    if not account.is_dir():
        service_account(account, authority)
    (services.directory / "record").mkdir(exist_ok=True)
    lm_eval = json.dumps(LM_EVAL_REPORT)
    stand_in(
        services.directory / "bin",
        "lm_eval",
        f'mkdir -p "$out/model"\necho \'{lm_eval}\' > "$out/model/results_1.json"\n',
    )
    stand_in(
        services.directory / "bin", "guidellm", f"echo '{json.dumps(GUIDELLM_REPORT)}' > \"$out\"\n"
    )


def _write_keys(directory: Path, keys: dict[str, str]) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for key, value in keys.items():
        (directory / key).write_text(value)


def _write_arguments(path: Path, arguments: list[str]) -> None:
    """One argument a line, written whole, so `$(cat FILE)` never reads half of it."""
    partial = path.with_suffix(".partial")
    partial.write_text("".join(f"{argument}\n" for argument in arguments))
    partial.rename(path)


def main(arguments: list[str]) -> int:
    if len(arguments) != 1:
        print("usage: python3 -m tests.loopback_services DIR", file=sys.stderr)
        return 2
    stop = threading.Event()
    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, lambda *_: stop.set())
    directory = Path(arguments[0]).resolve()
    directory.mkdir(parents=True, exist_ok=True)
    # The stand-ins' request lines go to a file, not the terminal the run prints to.
    logging.basicConfig(filename=directory / "requests.log", level=logging.INFO)
    with loopback_services(directory) as services:
        print(f"serving on loopback; what the runs map is in {directory}")
        for run, name in ((BUILD_RUN, "build.args"), (TEST_RUN, "test.args")):
            print(f"  modelcar run {run} $(cat {shlex.quote(str(directory / name))})")
        print(
            f"Hub {services.hub.base_url}, registries {services.internal.host} and "
            f"{services.quay.host}, Model Registry {services.model_registry.base_url}; "
            "Ctrl-C or SIGTERM stops them",
            flush=True,
        )
        stop.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
