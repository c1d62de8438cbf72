"""wait-for-inference-service: find the served model the test pipeline measures."""

from typing import Annotated

from modelcar_dsl import Between, Result, Steps, script_step, task
from modelcar_tasks.evaluation import INFERENCE_TOKEN
from modelcar_tasks.images import PYTHON_IMAGE
from modelcar_tasks.resources import LIGHT
from modelcar_tasks.workspaces import CA_BUNDLE


@task(
    image=PYTHON_IMAGE,
    workspaces=[CA_BUNDLE],
    results=[
        Result("url", "The InferenceService's cluster-local URL."),
        Result("model-id", "The model id its /v1/models lists."),
    ],
    env=[INFERENCE_TOKEN],
    timeout="1h",
)
def wait_for_inference_service(
    inference_service: Annotated[str, "InferenceService name, from the model catalogue."],
    wait_seconds: Annotated[
        int, Between(0, 86400), "How long to wait for it to become Ready."
    ] = 1800,
) -> Steps:
    """Wait until the InferenceService is Ready and its endpoint lists a model.

    The pipeline's ServiceAccount needs get on inferenceservices.serving.kserve.io.
    """
    return [
        script_step(
            "inference_service.py",
            name="wait",
            env={"NAMESPACE": "$(context.taskRun.namespace)"},
            resources=LIGHT,
        )
    ]
