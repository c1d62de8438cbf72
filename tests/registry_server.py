"""A real OCI registry on loopback: Debian's docker-registry (CNCF distribution), TLS, htpasswd."""

from __future__ import annotations

import base64
import json
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import attrs

from tests.oci_images import require_tool
from tests.tls import LoopbackAuthority, free_port, make_authority

USER = "modelcar-robot"
PASSWORD = "robot-password"
SERVICE_ACCOUNT = "serviceaccount"
SERVICE_ACCOUNT_TOKEN = "sa-token-for-tests"


@attrs.frozen
class Registry:
    """A running registry: its host:port, the CA it trusts, and ways to sign in."""

    host: str
    authority: LoopbackAuthority
    log: Path

    def write_authfile(self, directory: Path) -> Path:
        """A dockerconfigjson Secret's content, mounted as a workspace directory."""
        directory.mkdir(parents=True, exist_ok=True)
        auth = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
        (directory / ".dockerconfigjson").write_text(
            json.dumps({"auths": {self.host: {"auth": auth}}})
        )
        return directory

    def write_ca_bundle(self, directory: Path) -> Path:
        """A trusted-CA ConfigMap's content (key ca-bundle.crt), mounted as a workspace."""
        directory.mkdir(parents=True, exist_ok=True)
        (directory / "ca-bundle.crt").write_bytes(self.authority.ca_cert.read_bytes())
        return directory

    def digest(self, repository: str, tag: str) -> str:
        """The manifest digest the registry serves for repository:tag."""
        completed = subprocess.run(
            [
                *("skopeo", "inspect", "--format", "{{.Digest}}"),
                *("--cert-dir", str(self.authority.trust_dir)),
                *("--creds", f"{USER}:{PASSWORD}"),
                f"docker://{self.host}/{repository}:{tag}",
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        return completed.stdout.strip()

    def manifest(self, repository: str, reference: str) -> bytes:
        """The raw manifest (or index) the registry serves for repository:tag or @digest."""
        separator = "@" if reference.startswith("sha256:") else ":"
        completed = subprocess.run(
            [
                *("skopeo", "inspect", "--raw"),
                *("--cert-dir", str(self.authority.trust_dir)),
                *("--creds", f"{USER}:{PASSWORD}"),
                f"docker://{self.host}/{repository}{separator}{reference}",
            ],
            capture_output=True,
            check=True,
        )
        return completed.stdout


@contextmanager
def running_registry(
    directory: Path, log_level: str = "warn", *, port: int | None = None, read_only: bool = False
) -> Iterator[Registry]:
    """A registry serving until the block ends; at log level "info" its log in
    `directory`/registry.log names every request. Started again on the same `directory` and
    `port`, it keeps its CA, users and storage; `read_only` refuses every write, as a registry
    in maintenance does, while reads go on."""
    binary = require_tool("docker-registry", "docker-registry")
    authority = _authority_and_users(directory)
    port = port or free_port()
    storage: dict[str, object] = {"filesystem": {"rootdirectory": str(directory / "storage")}}
    if read_only:
        storage["maintenance"] = {"readonly": {"enabled": True}}
    config = directory / "config.yml"
    config.write_text(
        json.dumps(
            {
                "version": 0.1,
                "log": {"level": log_level},
                "storage": storage,
                "http": {
                    "addr": f"127.0.0.1:{port}",
                    "tls": {
                        "certificate": str(authority.server_cert),
                        "key": str(authority.server_key),
                    },
                },
                "auth": {
                    "htpasswd": {"realm": "modelcar-test", "path": str(directory / "htpasswd")}
                },
            }
        )
    )
    log = (directory / "registry.log").open("w")
    process = subprocess.Popen([binary, "serve", str(config)], stdout=log, stderr=log)
    registry = Registry(f"localhost:{port}", authority, directory / "registry.log")
    try:
        _wait_until_serving(f"https://localhost:{port}/v2/", authority, process, directory)
        yield registry
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


def _authority_and_users(directory: Path) -> LoopbackAuthority:
    """The registry's CA and htpasswd file, made on its first start and kept after."""
    users = directory / "htpasswd"
    if users.is_file():
        tls = directory / "tls"
        return LoopbackAuthority(tls / "trust" / "ca.crt", tls / "server.crt", tls / "server.key")
    htpasswd = require_tool("htpasswd", "apache2-utils")
    authority = make_authority(directory / "tls")
    for user, password in ((USER, PASSWORD), (SERVICE_ACCOUNT, SERVICE_ACCOUNT_TOKEN)):
        created = subprocess.run(
            [htpasswd, "-nbB", user, password], capture_output=True, text=True, check=True
        )
        with users.open("a") as handle:
            handle.write(created.stdout.strip() + "\n")
    return authority


def _wait_until_serving(
    url: str, authority: LoopbackAuthority, process: subprocess.Popen[bytes], directory: Path
) -> None:
    context = authority.client_context()
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError((directory / "registry.log").read_text())
        try:
            urllib.request.urlopen(url, context=context, timeout=2)
        except urllib.error.HTTPError as error:
            if error.code == 401:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"registry did not answer at {url}")
