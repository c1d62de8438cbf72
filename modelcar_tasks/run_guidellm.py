"""run-guidellm: latency and throughput of the served model under load."""

from typing import Annotated, Literal

from modelcar_dsl import Between, Steps, task
from modelcar_tasks.evaluation import (
    EVALUATION_RESULTS,
    INFERENCE_TOKEN,
    Endpoint,
    ModelId,
    ResultsDir,
    Tokenizer,
    evaluation_steps,
)
from modelcar_tasks.images import PYTHON_IMAGE
from modelcar_tasks.workspaces import CA_BUNDLE, SOURCE

GUIDELLM_VERSION = "0.2.1"


@task(
    image=PYTHON_IMAGE,
    workspaces=[SOURCE, CA_BUNDLE],
    results=EVALUATION_RESULTS,
    env=[INFERENCE_TOKEN],
    timeout="2h",
)
def run_guidellm(
    endpoint: Endpoint,
    model_id: ModelId,
    tokenizer: Tokenizer,
    profile: Annotated[
        Literal["sweep", "synchronous", "throughput", "concurrent", "constant", "poisson"],
        "GuideLLM's rate type.",
    ] = "sweep",
    max_seconds: Annotated[int, Between(1, 86400), "Seconds each benchmark runs."] = 60,
    data: Annotated[str, "Synthetic request shape."] = "prompt_tokens=512,output_tokens=256",
    results_dir: ResultsDir = "results",
) -> Steps:
    """Benchmark the endpoint with GuideLLM and keep its latency and throughput figures.

    The report stays in <results-dir>/guidellm/; the figures go to guidellm.metrics.json.
    """
    return evaluation_steps("guidellm", GUIDELLM_VERSION)
