"""What run-lm-eval and run-guidellm share: endpoint params, credentials and steps."""

from typing import Annotated

from modelcar_dsl import Result, SecretEnv, Steps, WorkspacePath, script_step
from modelcar_tasks.images import PYTHON_IMAGE
from modelcar_tasks.resources import EVALUATION, LIGHT

INFERENCE_TOKEN = SecretEnv("INFERENCE_TOKEN", secret="inference-token", key="token", optional=True)
"""A token for an endpoint behind KServe auth; without it the ServiceAccount token is sent."""

EVALUATION_RESULTS = [
    Result("metric-count", "Numbers written to <results-dir>/<tool>.metrics.json."),
]

Endpoint = Annotated[str, "Base URL of the served model (wait-for-inference-service's url)."]
ModelId = Annotated[str, "Model id the endpoint serves (wait-for-inference-service's model-id)."]
Tokenizer = Annotated[str, "Hugging Face repository of the tokenizer; the catalogue's."]
ResultsDir = Annotated[WorkspacePath, "Directory in the workspace for reports and metrics."]


def evaluation_steps(tool: str, version: str) -> Steps:
    """Run `tool` (pinned to `version`) against the endpoint, then extract its numbers."""
    return [
        script_step(
            "evaluate_endpoint.sh",
            name="run",
            image=PYTHON_IMAGE,
            env={"TOOL": tool, "TOOL_VERSION": version},
            resources=EVALUATION,
        ),
        script_step("summarize_metrics.py", name="summarize", env={"TOOL": tool}, resources=LIGHT),
    ]
