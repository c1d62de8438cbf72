"""Where Tekton fetches a Task the project does not define: one of its remote resolvers.

Each resolver names the params Tekton's resolver reads (docs/*-resolver.md of tektoncd/pipeline);
they are checked when declared, at the user's line, since a missing one only fails when a run
resolves the Task on the cluster.
"""

from __future__ import annotations

import re
from typing import ClassVar, Literal

import attrs

from modelcar_dsl.diagnostics.errors import DefinitionError
from modelcar_dsl.diagnostics.source import SourceLocation, caller_location

_TAG_OR_DIGEST = re.compile(r"(@[a-z0-9]+:[0-9a-fA-F]+|:[\w][\w.-]{0,127})$")
"""An image reference ends with `@sha256:...` or a `:tag` after its last `/`."""


def _declared_at() -> SourceLocation:
    """The user's line that declared the resolver, past the `__init__` attrs writes."""
    return caller_location(skip_generated=True)


def _refuse(resolver: str, problems: list[str], location: SourceLocation) -> None:
    """Every problem of one resolver in one error, so the user fixes them in one go."""
    if problems:
        raise DefinitionError(f"{resolver}: " + "; ".join(problems), location)


def _present(params: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
    """Tekton's defaults stand for the params left empty, so only the given ones are written."""
    return tuple((name, value) for name, value in params if value)


@attrs.frozen
class GitResolver:
    """A Task file in a git repository: anonymous clone by `url`, or `org`/`repo` through the
    SCM API the cluster's git resolver is configured for."""

    revision: str
    path_in_repo: str
    url: str = ""
    org: str = ""
    repo: str = ""
    location: SourceLocation = attrs.field(factory=_declared_at, eq=False, repr=False)

    resolver: ClassVar[str] = "git"

    def __attrs_post_init__(self) -> None:
        problems = []
        if bool(self.url) == bool(self.repo):
            problems.append("give either url=, or repo= (with org=), not both nor neither")
        if self.org and not self.repo:
            problems.append("org= goes with repo=; give repo= too, or drop org=")
        if not self.revision:
            problems.append("give revision= (a commit, branch or tag)")
        if not self.path_in_repo:
            problems.append("give path_in_repo= (the Task's YAML file in the repository)")
        _refuse("GitResolver", problems, self.location)

    @property
    def params(self) -> tuple[tuple[str, str], ...]:
        return _present(
            (
                ("url", self.url),
                ("org", self.org),
                ("repo", self.repo),
                ("revision", self.revision),
                ("pathInRepo", self.path_in_repo),
            )
        )


@attrs.frozen
class BundlesResolver:
    """A resource in a Tekton bundle, an OCI image; pinned by a digest or a tag other than
    `latest`, so the Task does not change under the pipeline between two runs."""

    bundle: str
    name: str
    kind: Literal["task", "pipeline", "stepaction"] = "task"
    location: SourceLocation = attrs.field(factory=_declared_at, eq=False, repr=False)

    resolver: ClassVar[str] = "bundles"

    def __attrs_post_init__(self) -> None:
        problems = []
        last = self.bundle.rsplit("/", 1)[-1]
        if not self.bundle:
            problems.append("give bundle= (an image reference with a tag or digest)")
        elif not _TAG_OR_DIGEST.search(last):
            problems.append(
                f"bundle {self.bundle!r} has no tag or digest; pin it (`:v1` or `@sha256:...`)"
            )
        elif last.endswith(":latest"):
            problems.append(
                f"bundle {self.bundle!r} is `:latest`, which moves; pin a tag or `@sha256:...`"
            )
        if not self.name:
            problems.append("give name= (the resource's name inside the bundle)")
        if self.kind not in ("task", "pipeline", "stepaction"):
            problems.append(f"kind {self.kind!r} is not task, pipeline nor stepaction")
        _refuse("BundlesResolver", problems, self.location)

    @property
    def params(self) -> tuple[tuple[str, str], ...]:
        return (("bundle", self.bundle), ("name", self.name), ("kind", self.kind))


@attrs.frozen
class ClusterResolver:
    """A resource already on the cluster, in another namespace (e.g. a shared one)."""

    name: str
    namespace: str
    kind: Literal["task", "pipeline", "stepaction"] = "task"
    location: SourceLocation = attrs.field(factory=_declared_at, eq=False, repr=False)

    resolver: ClassVar[str] = "cluster"

    def __attrs_post_init__(self) -> None:
        problems = []
        if not self.name:
            problems.append("give name= (the resource's name)")
        if not self.namespace:
            problems.append("give namespace= (where the resource lives)")
        if self.kind not in ("task", "pipeline", "stepaction"):
            problems.append(f"kind {self.kind!r} is not task, pipeline nor stepaction")
        _refuse("ClusterResolver", problems, self.location)

    @property
    def params(self) -> tuple[tuple[str, str], ...]:
        return (("kind", self.kind), ("name", self.name), ("namespace", self.namespace))


@attrs.frozen
class HttpResolver:
    """A Task file at a URL. Only https: over plain http anyone on the path could swap the Task
    (Tekton accepts both). `digest` (`sha256:...`) makes Tekton refuse any other content."""

    url: str
    digest: str = ""
    location: SourceLocation = attrs.field(factory=_declared_at, eq=False, repr=False)

    resolver: ClassVar[str] = "http"

    def __attrs_post_init__(self) -> None:
        problems = []
        if not self.url.startswith("https://") or len(self.url) <= len("https://"):
            problems.append(f"url {self.url!r} must be an https:// URL")
        if self.digest and not re.fullmatch(r"(sha256|sha512):[0-9a-f]+", self.digest):
            problems.append(f"digest {self.digest!r} must be sha256:<hex> or sha512:<hex>")
        _refuse("HttpResolver", problems, self.location)

    @property
    def params(self) -> tuple[tuple[str, str], ...]:
        return _present((("url", self.url), ("digest", self.digest)))


@attrs.frozen
class HubResolver:
    """A resource of a hub catalog (Artifact Hub by default), at a version or constraint."""

    name: str
    version: str
    catalog: str = ""
    type: Literal["artifact", "tekton"] = "artifact"
    kind: Literal["task", "pipeline", "stepaction"] = "task"
    location: SourceLocation = attrs.field(factory=_declared_at, eq=False, repr=False)

    resolver: ClassVar[str] = "hub"

    def __attrs_post_init__(self) -> None:
        problems = []
        if not self.name:
            problems.append("give name= (the resource's name in the hub)")
        if not self.version:
            problems.append('give version= (e.g. "0.9" or ">= 0.9")')
        if self.type not in ("artifact", "tekton"):
            problems.append(f"type {self.type!r} is not artifact nor tekton")
        if self.kind not in ("task", "pipeline", "stepaction"):
            problems.append(f"kind {self.kind!r} is not task, pipeline nor stepaction")
        if self.kind == "stepaction" and not self.catalog:
            problems.append("a stepaction has no default catalog; give catalog=")
        _refuse("HubResolver", problems, self.location)

    @property
    def params(self) -> tuple[tuple[str, str], ...]:
        return _present(
            (
                ("catalog", self.catalog),
                ("type", self.type),
                ("kind", self.kind),
                ("name", self.name),
                ("version", self.version),
            )
        )


Resolver = GitResolver | BundlesResolver | ClusterResolver | HttpResolver | HubResolver


def checked_resolver(
    resolver: object, declared_by: str, kind: str, location: SourceLocation
) -> Resolver:
    """`resolver` as given, refused at the user's line unless it is one of Tekton's resolvers
    and, where the resolver takes a kind, fetches a `kind` (a Task's ref fetching a StepAction
    fails only when a run resolves it)."""
    if not isinstance(
        resolver, GitResolver | BundlesResolver | ClusterResolver | HttpResolver | HubResolver
    ):
        raise DefinitionError(
            f"{declared_by} resolver= takes GitResolver, BundlesResolver, ClusterResolver, "
            f"HttpResolver or HubResolver, got {resolver!r}",
            location,
        )
    given = getattr(resolver, "kind", kind)
    if given != kind:
        raise DefinitionError(
            f"{declared_by} fetches a {kind}, but its {type(resolver).__name__} has "
            f"kind={given!r}; give kind={kind!r}",
            location,
        )
    return resolver
