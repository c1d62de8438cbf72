"""The features Tekton gates behind its feature flags, each with the flag that turns it on and
its level (absent, alpha, beta, stable) in every release since it came, from the history of
the gates in tektoncd/pipeline's validation."""

from __future__ import annotations

from typing import Literal

import attrs

from modelcar_dsl.model.gates import STEP_ACTIONS_STABLE, Version

Level = Literal["absent", "alpha", "beta", "stable"]
"""A feature in one release: not there yet, behind `enable-api-fields` at alpha or beta (or, for
a per-feature flag, behind that flag), or accepted everywhere."""


@attrs.frozen
class Feature:
    """A gated feature: what it is, the flag that turns it on (`enable-api-fields`, or a
    per-feature flag) and its level from each release on, oldest first: the level in force
    for a release is that of the last entry at or before it."""

    what: str
    levels: tuple[tuple[Version, Level], ...]
    flag: str = "enable-api-fields"

    def level(self, version: Version) -> Level:
        """The feature's level in release `version`."""
        current: Level = "absent"
        for since, level in self.levels:
            if version >= since:
                current = level
        return current

    def since(self, version: Version) -> Version:
        """The first release after `version` where the feature exists."""
        return next(since for since, level in self.levels if since > version and level != "absent")


def _api(what: str, *levels: tuple[Version, Level]) -> Feature:
    return Feature(what, levels)


def _flag(what: str, flag: str, added: Version) -> Feature:
    return Feature(what, ((added, "alpha"),), flag)


# Levels: where the gate in Tekton's validation changed between two releases (git tags of
# tektoncd/pipeline); Tekton 1.15's are the last of each.
PIPELINES_IN_PIPELINES = _api(
    "a pipeline in a pipeline task (pipelines in pipelines)", ((0, 52), "alpha")
)
STDOUT_CONFIG = _api("stdoutConfig (step output streams)", ((0, 38), "alpha"))
STDERR_CONFIG = _api("stderrConfig (step output streams)", ((0, 38), "alpha"))
WINDOWS_SCRIPT = _api("a Windows script (#!win)", ((0, 0), "alpha"))
DEBUG = _api("debug (TaskRun breakpoints)", ((0, 0), "alpha"))
RESOLVER = _api("a remote resolver", ((0, 38), "alpha"), ((0, 41), "beta"))
RESOLVER_PARAMS = _api("resolver params", ((0, 38), "alpha"), ((0, 41), "beta"))
PIPELINE_TASK_ON_ERROR = _api("onError on a pipeline task", ((0, 53), "alpha"), ((0, 62), "beta"))
MATRIX = _api("matrix", ((0, 35), "alpha"), ((0, 53), "beta"))
STEP_WORKSPACES = _api("workspaces on a step", ((0, 0), "alpha"), ((0, 50), "beta"))
SIDECAR_WORKSPACES = _api("workspaces on a sidecar", ((0, 0), "alpha"), ((0, 50), "beta"))
RUN_COMPUTE_RESOURCES = _api(
    "computeResources on a run's task", ((0, 38), "alpha"), ((0, 53), "beta")
)
RUN_OVERRIDES = _api(
    "step and sidecar overrides on a run's task", ((0, 0), "alpha"), ((0, 62), "beta")
)
OBJECT_PARAMS = _api("an object param", ((0, 36), "alpha"), ((0, 46), "beta"), ((0, 56), "stable"))
ARRAY_RESULTS = _api("an array result", ((0, 36), "alpha"), ((0, 45), "beta"), ((0, 56), "stable"))
OBJECT_RESULTS = _api(
    "an object result", ((0, 36), "alpha"), ((0, 46), "beta"), ((0, 56), "stable")
)
TYPED_RESULTS = {"array": ARRAY_RESULTS, "object": OBJECT_RESULTS}
PARAM_ENUM = _flag("param enum", "enable-param-enum", (0, 54))
CEL_WHEN = _flag("CEL in when", "enable-cel-in-whenexpression", (0, 53))
ARTIFACTS = _flag(
    "artifacts ($(steps.x.outputs...), $(step.artifacts.path))", "enable-artifacts", (0, 58)
)
CONCISE_RESOLVER = _flag(
    "a resolver URL as a ref's name (concise resolver syntax)",
    "enable-concise-resolver-syntax",
    (0, 60),
)
STEP_ACTIONS = Feature(
    "StepActions (a step's ref, results or when; a result's value)",
    (((0, 53), "alpha"), (STEP_ACTIONS_STABLE, "stable")),
    "enable-step-actions",
)
REMOTE_STEP_ACTIONS = Feature(
    "a remote StepAction (a step's ref with a resolver)",
    (((0, 54), "alpha"), (STEP_ACTIONS_STABLE, "stable")),
    "enable-step-actions",
)
STEP_ACTION_RESOLVER_KINDS: dict[str, Version] = {"cluster": (0, 66), "hub": (1, 0)}
"""The release whose cluster or hub resolver first accepts `kind: stepaction` (earlier ones
refuse the kind when the TaskRun resolves the step)."""
