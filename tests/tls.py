"""A certificate authority made per test session with openssl, so trust is tested, not bypassed."""

from __future__ import annotations

import socket
import ssl
import subprocess
from pathlib import Path

import attrs

from tests.oci_images import require_tool


@attrs.frozen
class LoopbackAuthority:
    """A CA and a server certificate it signed for localhost and 127.0.0.1."""

    ca_cert: Path
    server_cert: Path
    server_key: Path

    @property
    def trust_dir(self) -> Path:
        """A directory holding only the CA certificate, as skopeo's --cert-dir wants."""
        return self.ca_cert.parent

    def client_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.ca_cert))


def make_authority(directory: Path) -> LoopbackAuthority:
    openssl = require_tool("openssl", "openssl")
    directory.mkdir(parents=True, exist_ok=True)
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]

    def run(*args: str) -> None:
        subprocess.run([openssl, *args], cwd=directory, check=True, capture_output=True)

    run(
        *("req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.crt", "-days", "2"),
        *("-subj", "/CN=modelcar-dsl test CA"),
        *("-addext", "basicConstraints=critical,CA:TRUE"),
        *("-addext", "keyUsage=critical,keyCertSign,cRLSign"),
    )
    run("req", *ec, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost")
    (directory / "server.ext").write_text(
        "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n"
        "keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n"
    )
    run(
        *("x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key"),
        *("-CAcreateserial", "-out", "server.crt", "-days", "2", "-extfile", "server.ext"),
    )
    trust = directory / "trust"
    trust.mkdir()
    (trust / "ca.crt").write_bytes((directory / "ca.crt").read_bytes())
    return LoopbackAuthority(trust / "ca.crt", directory / "server.crt", directory / "server.key")


def free_port() -> int:
    """A loopback port nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port
