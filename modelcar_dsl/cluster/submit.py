"""`modelcar submit`: start a compiled run on the cluster, after checking that the Pipeline and
Tasks it needs are there and are the ones compiled, and follow it when asked."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from modelcar_dsl.cluster.client import Cluster
from modelcar_dsl.compiling.render import Compiled
from modelcar_dsl.diagnostics.errors import ClusterError

Say = Callable[[str], None]


def drift(compiled: Compiled, cluster: Cluster, run: dict[str, Any]) -> list[str]:
    """Warnings for the Pipeline and Tasks the run needs that differ on the cluster; raises
    when one is missing, since the run could not start."""
    pipeline_name = run["spec"]["pipelineRef"]["name"]
    pipeline = compiled.documents[("Pipeline", pipeline_name)]
    needed: list[tuple[str, str]] = [("Pipeline", pipeline_name)]
    for task in [*pipeline["spec"]["tasks"], *pipeline["spec"].get("finally", [])]:
        needed.append(("Task", task["taskRef"]["name"]))
    warnings = []
    for kind, name in dict.fromkeys(needed):
        document = compiled.documents[(kind, name)]
        found = cluster.get(kind, name)
        if found is None:
            raise ClusterError(
                f"the cluster has no {kind} {name!r} in namespace {cluster.namespace}; apply the "
                "compiled tree first (ArgoCD sync, or oc apply -k on it)"
            )
        if found.get("spec") != document["spec"]:
            warnings.append(
                f"warning: the cluster's {kind} {name!r} differs from the compiled one; run an "
                "ArgoCD sync or oc apply -k before trusting this run"
            )
    return warnings


def follow(cluster: Cluster, name: str, say: Say, poll_seconds: float) -> bool:
    """Print the run's Succeeded condition each time it changes, until it ends; True when the
    run succeeded."""
    shown = None
    while True:
        run = cluster.get("PipelineRun", name)
        if run is None:
            raise ClusterError(f"PipelineRun {name} disappeared from the cluster")
        condition = next(
            (c for c in run.get("status", {}).get("conditions", []) if c["type"] == "Succeeded"),
            {"status": "Unknown", "reason": "Pending", "message": "waiting for the controller"},
        )
        state = (condition["status"], condition.get("reason", ""), condition.get("message", ""))
        if state != shown:
            say(f"{name}: {state[1]}: {state[2]}")
            shown = state
        if condition["status"] != "Unknown":
            return bool(condition["status"] == "True")
        time.sleep(poll_seconds)
