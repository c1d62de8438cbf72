"""An S3-compatible server on loopback: moto in server mode, checking every request's signature.

moto verifies AWS Signature V4 once its first few unauthenticated calls are used up, so the
download's hand-written signer is checked by a real implementation, not by itself.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import attrs
import boto3

from tests.tls import free_port

SETUP_CALLS = 3  # create the user, its policy and its key without signatures; then verify all


@attrs.frozen
class S3Server:
    """A running server, a bucket the tests fill, and credentials allowed to read it."""

    endpoint: str
    access_key: str
    secret_key: str

    @property
    def host(self) -> str:
        """host:port of the plain-http server, for INSECURE_HOSTS."""
        return self.endpoint.removeprefix("http://")

    def client(self) -> Any:
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            region_name="us-east-1",
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
        )

    def put(self, bucket: str, files: dict[str, bytes]) -> None:
        client = self.client()
        client.create_bucket(Bucket=bucket)
        for key, data in files.items():
            client.put_object(Bucket=bucket, Key=key, Body=data)


@contextmanager
def running_s3(directory: Path) -> Iterator[S3Server]:
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    log = (directory / "moto.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=log,
        stderr=log,
        env={**os.environ, "INITIAL_NO_AUTH_ACTION_COUNT": str(SETUP_CALLS)},
    )
    try:
        _wait_until_serving(endpoint, process, directory)
        iam = boto3.client(
            "iam",
            endpoint_url=endpoint,
            region_name="us-east-1",
            aws_access_key_id="setup",
            aws_secret_access_key="setup",
        )
        iam.create_user(UserName="model-loader")
        policy = {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}],
        }
        iam.put_user_policy(
            UserName="model-loader", PolicyName="s3", PolicyDocument=json.dumps(policy)
        )
        key = iam.create_access_key(UserName="model-loader")["AccessKey"]
        yield S3Server(endpoint, key["AccessKeyId"], key["SecretAccessKey"])
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


def _wait_until_serving(endpoint: str, process: subprocess.Popen[bytes], directory: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError((directory / "moto.log").read_text())
        try:
            urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=2)
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"moto did not answer at {endpoint}")
