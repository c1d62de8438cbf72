"""publish-results: attach the test pipeline's numbers to the version in the Model Registry."""

from typing import Annotated

from modelcar_dsl import Result, Steps, WorkspacePath, script_step, task
from modelcar_tasks.images import PYTHON_IMAGE
from modelcar_tasks.model_registry_access import REGISTRY_TOKEN, ModelName, RegistryUrl, VersionName
from modelcar_tasks.resources import LIGHT
from modelcar_tasks.workspaces import CA_BUNDLE, SOURCE


@task(
    image=PYTHON_IMAGE,
    workspaces=[SOURCE, CA_BUNDLE],
    results=[
        Result("model-version-id", "Id of the ModelVersion the results were attached to."),
        Result("metric-count", "Number of Metric artifacts written."),
    ],
    env=[REGISTRY_TOKEN],
    timeout="10m",
    retries=2,
)
def publish_results(
    registry_url: RegistryUrl,
    model_name: ModelName,
    version_name: VersionName,
    results_dir: Annotated[
        WorkspacePath, "Directory in the workspace holding the tests' *.metrics.json files."
    ] = "results",
) -> Steps:
    """Find the version by the catalogue's names and upsert one Metric artifact per number.

    A version the build never registered fails with the names the registry does have.
    """
    return [
        script_step("model_registry.py", name="publish", env={"ACTION": "publish"}, resources=LIGHT)
    ]
