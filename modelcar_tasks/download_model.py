"""download-model: fetch the weights into the shared workspace, resuming an interrupted run."""

from typing import Annotated

from modelcar_dsl import Between, Result, SecretEnv, Steps, WorkspacePath, script_step, task
from modelcar_tasks.images import PYTHON_IMAGE
from modelcar_tasks.resources import STREAM_WEIGHTS
from modelcar_tasks.workspaces import CA_BUNDLE, SOURCE


@task(
    image=PYTHON_IMAGE,
    workspaces=[SOURCE, CA_BUNDLE],
    results=[
        Result("model-size-bytes", "Total bytes of the downloaded files."),
        Result("file-count", "Number of files downloaded."),
        Result("revision", "The Hugging Face commit downloaded (empty for S3)."),
        Result(
            "revision-date",
            "When the downloaded revision was committed, RFC 3339 UTC (2025-01-30T12:34:56Z); "
            "for S3, the newest LastModified of the files.",
        ),
    ],
    env=[
        SecretEnv("HF_TOKEN", secret="hf-token", key="token", optional=True),
        SecretEnv(
            "AWS_ACCESS_KEY_ID", secret="s3-credentials", key="AWS_ACCESS_KEY_ID", optional=True
        ),
        SecretEnv(
            "AWS_SECRET_ACCESS_KEY",
            secret="s3-credentials",
            key="AWS_SECRET_ACCESS_KEY",
            optional=True,
        ),
    ],
    timeout="4h",
    retries=1,
)
def download_model(
    source: Annotated[str, "hf://org/repo[@revision] or s3://bucket/prefix"],
    include: Annotated[
        tuple[str, ...],
        "Glob patterns of files to fetch (e.g. model-*.safetensors); all files when empty.",
    ] = (),
    model_dir: Annotated[
        WorkspacePath, "Directory in the workspace to write the model to."
    ] = "model",
    manifest: Annotated[
        WorkspacePath, "File in the workspace, outside model-dir, listing every file's sha256."
    ] = "model-manifest.json",
    hf_endpoint: Annotated[str, "Hugging Face endpoint or mirror."] = "https://huggingface.co",
    s3_endpoint: Annotated[str, "S3-compatible endpoint URL; empty for AWS S3."] = "",
    s3_region: Annotated[str, "S3 region used for request signing."] = "us-east-1",
    parallel: Annotated[int, Between(1, 32), "Files downloaded at once."] = 4,
) -> Steps:
    """Download model weights into the workspace and write a manifest of files and sha256s.

    Files are hashed while written and renamed into place when whole; a re-run continues
    partial files with Range requests and skips the ones the manifest lists. Before the first
    byte, a selection with both consolidated weights and shards, or one larger than the
    workspace's free space, is refused.
    """
    return [script_step("fetch_model.py", name="download", resources=STREAM_WEIGHTS)]
