"""Workspaces the tasks share, declared once so every task mounts them the same way."""

from modelcar_dsl import Workspace

SOURCE = Workspace("source", description="The model, its manifest and the built OCI image.")
REGISTRY_AUTH = Workspace(
    "registry-auth",
    description="A dockerconfigjson Secret (key .dockerconfigjson) used as skopeo --authfile.",
    read_only=True,
    optional=True,
)
CA_BUNDLE = Workspace(
    "ca-bundle",
    description="A ConfigMap with ca-bundle.crt: the CAs to trust for registries and APIs.",
    read_only=True,
    optional=True,
)
