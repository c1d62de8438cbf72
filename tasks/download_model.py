"""download-model: fetch the weights into the shared workspace."""

from typing import Annotated

from modelcar_dsl import Result, SecretEnv, Steps, script_step, task
from tasks.images import PYTHON_IMAGE
from tasks.workspaces import SOURCE


@task(
    image=PYTHON_IMAGE,
    workspaces=[SOURCE],
    results=[
        Result("model-size-bytes", "Total bytes of the downloaded files."),
        Result("file-count", "Number of files downloaded."),
    ],
    env=[SecretEnv("HF_TOKEN", secret="hf-token", key="token", optional=True)],
    timeout="4h",
    retries=1,
)
def download_model(
    source: Annotated[str, "hf://org/repo[@revision] or s3://bucket/prefix"],
    model_dir: Annotated[str, "Directory in the workspace to write the model to."] = "model",
) -> Steps:
    """Download model weights into the workspace and write a manifest of files and sizes."""
    return [script_step("download_model.sh", name="download")]
