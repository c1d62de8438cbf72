"""A local run's workspaces as directories: a volumeClaimTemplate is a directory new for each
run, a persistentVolumeClaim one kept between runs, an emptyDir one per TaskRun, a Secret or a
ConfigMap the directory the user mapped to it; `--workspace NAME=DIR` replaces any of them.
Every Secret and ConfigMap a run needs is listed before it starts, not found missing halfway."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import attrs

from modelcar_dsl.diagnostics.errors import LocalRunError
from modelcar_dsl.formats.names import DNS_LABEL, did_you_mean
from modelcar_dsl.running.mounts import Mounts, missing_list
from modelcar_dsl.running.run_plan import RunPlan


@attrs.frozen
class WorkspaceBinding:
    """One pipeline workspace: where its files are (None: an emptyDir, new per TaskRun), and
    whether the run made it (its volumes get the pod's fsGroup; the user's never do)."""

    name: str
    kind: str
    source: str
    path: Path | None
    owned: bool
    read_only: bool = False

    def for_taskrun(self, taskrun_dir: Path, task_workspace: str, sub_path: str) -> Path:
        base = self.path if self.path is not None else taskrun_dir / "volumes" / task_workspace
        if sub_path:
            parts = Path(sub_path).parts
            if Path(sub_path).is_absolute() or ".." in parts:
                raise LocalRunError(f"workspace {self.name}: subPath {sub_path!r} leaves it")
            root, base = base, base / sub_path
            if not base.resolve().is_relative_to(root.resolve()):
                # A symlink a step left in the volume, as the kubelet refuses one in a subPath.
                raise LocalRunError(
                    f"workspace {self.name}: subPath {sub_path!r} leaves it through a symlink"
                )
        if self.owned:
            base.mkdir(parents=True, exist_ok=True)
        return base


def bind_workspaces(
    plan: RunPlan, run_dir: Path, user_dirs: Mapping[str, Path], mounts: Mounts
) -> dict[str, WorkspaceBinding]:
    """Every pipeline workspace the run binds (or the user maps), by name."""
    declared = [workspace["name"] for workspace in plan.pipeline.get("workspaces", [])]
    for name, path in user_dirs.items():
        if name not in declared:
            raise LocalRunError(
                f"--workspace {name}: the pipeline has no such workspace"
                + did_you_mean(name, declared)
            )
        if not path.is_dir():
            raise LocalRunError(f"--workspace {name}={path}: not a directory")
    bindings: dict[str, WorkspaceBinding] = {}
    for binding in plan.run["spec"].get("workspaces", []):
        bindings[binding["name"]] = _bound(binding, run_dir)
    for name, path in user_dirs.items():
        bindings[name] = WorkspaceBinding(name, "directory", str(path), path.resolve(), False)
    return bindings


def _bound(binding: Mapping[str, Any], run_dir: Path) -> WorkspaceBinding:
    name = binding["name"]
    if "volumeClaimTemplate" in binding:
        return WorkspaceBinding(
            name, "volumeClaimTemplate", "", run_dir / "workspaces" / _safe(name), True
        )
    if "persistentVolumeClaim" in binding:
        claim = binding["persistentVolumeClaim"]["claimName"]
        read_only = bool(binding["persistentVolumeClaim"].get("readOnly"))
        path = run_dir / "claims" / _safe(claim)
        return WorkspaceBinding(name, "persistentVolumeClaim", claim, path, True, read_only)
    if "emptyDir" in binding:
        return WorkspaceBinding(name, "emptyDir", "", None, True)
    if "secret" in binding:
        return WorkspaceBinding(name, "secret", binding["secret"]["secretName"], None, False, True)
    if "configMap" in binding:
        return WorkspaceBinding(name, "configmap", binding["configMap"]["name"], None, False, True)
    kinds = sorted(set(binding) - {"name", "subPath"})
    raise LocalRunError(
        f"workspace {name} is bound to {', '.join(kinds)}, which a local run cannot provide; "
        f"map it with --workspace {name}=DIR"
    )


def _safe(name: str) -> str:
    """A workspace or claim name as one directory name; Tekton's names are DNS labels."""
    if not DNS_LABEL.fullmatch(name):
        raise LocalRunError(f"{name!r} is not a DNS label, so it cannot name a directory")
    return name


def resolve_mounted(
    bindings: dict[str, WorkspaceBinding], mounts: Mounts, scratch: Path
) -> dict[str, WorkspaceBinding]:
    """Secret and ConfigMap workspaces pointed at their mapped directories."""
    resolved = {}
    for name, binding in bindings.items():
        if binding.kind in ("secret", "configmap"):
            path = mounts.directory(binding.kind, binding.source, scratch)
            binding = attrs.evolve(binding, path=path)
        resolved[name] = binding
    return resolved


def missing_sources(
    plan: RunPlan,
    bindings: Mapping[str, WorkspaceBinding],
    mounts: Mounts,
    pipeline_tasks: Iterable[Mapping[str, Any]],
) -> list[tuple[str, str, str]]:
    """(kind, name, what needs it) for each Secret or ConfigMap the tasks that will run need
    and nobody mapped: a workspace bound to one, or a required key reference in a step."""
    missing = []
    for binding in bindings.values():
        if binding.kind in ("secret", "configmap") and not mounts.has(binding.kind, binding.source):
            missing.append((binding.kind, binding.source, f"workspace {binding.name}"))
    for task in pipeline_tasks:
        spec = plan.task_spec(task)
        for where, env in _env_entries(spec):
            for field, kind in (("secretKeyRef", "secret"), ("configMapKeyRef", "configmap")):
                reference = env.get("valueFrom", {}).get(field)
                if reference is None or reference.get("optional"):
                    continue
                why = f"{task['name']} {where} env {env['name']}"
                if not mounts.has(kind, reference["name"]):
                    missing.append((kind, reference["name"], why))
                elif mounts.value(kind, reference["name"], reference["key"]) is None:
                    missing.append((kind, reference["name"], f"{why}: key {reference['key']}"))
    return missing


def _env_entries(spec: Mapping[str, Any]) -> list[tuple[str, Mapping[str, Any]]]:
    entries = [("stepTemplate", env) for env in spec.get("stepTemplate", {}).get("env", [])]
    for step in spec.get("steps", []):
        entries.extend((f"step {step['name']}", env) for env in step.get("env", []))
    return entries


def refuse_missing(missing: list[tuple[str, str, str]]) -> None:
    if missing:
        raise LocalRunError(
            "the run needs Secrets or ConfigMaps that are not mapped; give each a directory "
            "with one file per key:\n" + missing_list(missing)
        )
