"""model-testing (pipeline B): measure a served catalogue version and attach the numbers to it.

The three measuring tasks share the `results` workspace, so the compiler runs them one after
another: lm-eval and GuideLLM never load the model at the same time, which would skew both.
"""

from typing import Annotated

from modelcar_dsl import PipelineWorkspace, VolumeClaim, pipeline
from modelcar_tasks.catalogue import ModelVersion
from modelcar_tasks.publish_results import publish_results
from modelcar_tasks.run_guidellm import run_guidellm
from modelcar_tasks.run_lm_eval import run_lm_eval
from modelcar_tasks.wait_for_inference_service import wait_for_inference_service


@pipeline(
    workspaces=[
        PipelineWorkspace(
            "results", "Fresh PVC for the reports and metrics.", default=VolumeClaim(size="1Gi")
        ),
        PipelineWorkspace("ca-bundle", "ConfigMap with the CAs to trust.", True),
    ]
)
def model_testing(
    model: ModelVersion,
    registry_url: Annotated[str, "Model Registry REST base URL."],
    lm_eval_tasks: Annotated[list[str], "lm-eval task names."],
    lm_eval_limit: Annotated[int, "Examples per lm-eval task; 0 runs them all."],
) -> None:
    """Run lm-eval and GuideLLM against the version's InferenceService and publish the results."""
    served = wait_for_inference_service(inference_service=model.inference_service)
    run_lm_eval.options(workspaces={"source": "results"})(
        endpoint=served.results.url,
        model_id=served.results.model_id,
        tokenizer=model.tokenizer,
        tasks=lm_eval_tasks,
        limit=lm_eval_limit,
    )
    run_guidellm.options(workspaces={"source": "results"})(
        endpoint=served.results.url,
        model_id=served.results.model_id,
        tokenizer=model.tokenizer,
    )
    publish_results.options(workspaces={"source": "results"})(
        registry_url=registry_url,
        model_name=model.registry_name,
        version_name=model.version,
    )
