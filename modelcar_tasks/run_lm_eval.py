"""run-lm-eval: accuracy of the served model on lm-evaluation-harness tasks."""

from typing import Annotated

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

LM_EVAL_VERSION = "0.4.8"


@task(
    image=PYTHON_IMAGE,
    workspaces=[SOURCE, CA_BUNDLE],
    results=EVALUATION_RESULTS,
    env=[INFERENCE_TOKEN],
    timeout="4h",
)
def run_lm_eval(
    endpoint: Endpoint,
    model_id: ModelId,
    tokenizer: Tokenizer,
    tasks: Annotated[list[str], "lm-eval task names."] = ["arc_easy", "hellaswag"],  # noqa: B006
    limit: Annotated[int, Between(0, 999_999_999), "Examples per task; 0 runs them all."] = 0,
    num_fewshot: Annotated[str, "Few-shot examples; empty keeps each task's default."] = "",
    concurrency: Annotated[int, Between(1, 256), "Requests in flight."] = 4,
    results_dir: ResultsDir = "results",
) -> Steps:
    """Run lm-eval's local-completions model against the endpoint and keep its scores.

    The report stays in <results-dir>/lm-eval/; the scores go to lm-eval.metrics.json.
    """
    return evaluation_steps("lm-eval", LM_EVAL_VERSION)
