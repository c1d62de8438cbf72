"""The out tree's generated files as committed at a git ref, for `modelcar diff`.

The ref names a commit of the repository that holds the out tree, which in a gitops layout is a
checkout apart from the project, so git runs there with the repository-selecting variables of a
surrounding git (a hook's GIT_DIR) removed. A ref reaches git only after `--end-of-options` and
is turned into a commit id first, so no ref is ever read as an option or a path.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import attrs

from modelcar_dsl.diagnostics.errors import ProjectError
from modelcar_dsl.diagnostics.source import display_path
from modelcar_dsl.output.layout import GENERATED_MARKER
from modelcar_dsl.output.output_tree import is_generated_path

USE_A_DIRECTORY = (
    "compare with a directory of YAML instead: modelcar diff --against DIR (a checkout or a "
    "copy of the deployed tree)"
)
_MARKER = GENERATED_MARKER.encode()
_OBJECT_ID = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")
_FILE_MODES = ("100644", "100755")


@attrs.frozen
class OutRepository:
    """The git work tree that holds the out tree: its top level, and the out tree's path below
    it as git spells paths (`serving/pipelines`; empty when the out tree is the top)."""

    top: Path
    prefix: str
    environment: dict[str, str]

    def origin(self, ref: str) -> str:
        """How git names the out tree at `ref` (`origin/main:serving/pipelines/`), for errors."""
        return f"{ref}:{self.prefix}/" if self.prefix else f"{ref}:"


@attrs.frozen
class CommittedTree:
    """The generated files of the out tree at one commit, and where they came from."""

    files: dict[str, str]
    origin: str


def committed_tree(out: Path, ref: str) -> CommittedTree:
    """Relative path -> text of the files compile wrote into `out`, as committed at `ref` of the
    repository holding `out`; hand-written files there are left out, as compile leaves them."""
    repository = _out_repository(out, ref)
    commit = _commit(repository, ref, out)
    origin = repository.origin(ref)
    return CommittedTree(_generated_files(repository, commit, origin), origin)


def _out_repository(out: Path, ref: str) -> OutRepository:
    """The repository that holds `out` (which need not exist yet: its nearest existing parent
    decides), or a message saying there is none and what to use instead."""
    out = out.resolve()
    existing = next((path for path in (out, *out.parents) if path.is_dir()), Path("/"))
    environment = _environment()
    completed = _run(existing, ["rev-parse", "--show-toplevel"], environment)
    if completed.returncode != 0:
        reason = _reason(completed.stderr)
        if "not a git repository" in reason:
            raise ProjectError(
                f"the out tree {display_path(str(out))} is in no git repository, so it has no "
                f"commit {ref!r} to compare with; {USE_A_DIRECTORY}"
            )
        raise ProjectError(
            f"git cannot read the repository that holds {display_path(str(out))} ({reason}); "
            f"fix that, or {USE_A_DIRECTORY}"
        )
    top = Path(_text(completed.stdout, "git rev-parse --show-toplevel").strip()).resolve()
    if out != top and top not in out.parents:
        raise ProjectError(
            f"git places the work tree of the repository around {display_path(str(out))} at "
            f"{display_path(str(top))} (core.worktree), which does not hold it; {USE_A_DIRECTORY}"
        )
    return OutRepository(top, "" if out == top else out.relative_to(top).as_posix(), environment)


def _commit(repository: OutRepository, ref: str, out: Path) -> str:
    """The commit id `ref` names in `repository`; refs that git would read as an option, or as
    several revisions, name none."""
    if ref and "\0" not in ref and "\n" not in ref:
        completed = _git(
            repository, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}"
        )
        named = completed.stdout.decode("ascii", "replace").strip()
        if completed.returncode == 0 and _OBJECT_ID.fullmatch(named):
            return named
    holder = (
        f"the git repository {repository.top}, which holds the out tree {display_path(str(out))}"
    )
    if _git(repository, "rev-parse", "--verify", "--quiet", "HEAD").returncode != 0:
        raise ProjectError(
            f"--against {ref!r}: {holder}, has no commits yet; commit the compiled tree there "
            f"first, or {USE_A_DIRECTORY}"
        )
    raise ProjectError(
        f"--against {ref!r} is neither a directory nor a commit of {holder}; name a branch, tag "
        f"or commit of that repository (git -C {repository.top} log --oneline), or a directory"
    )


def _generated_files(repository: OutRepository, commit: str, origin: str) -> dict[str, str]:
    """The committed files whose path and header mark them as compile's, by relative path."""
    found = _git(repository, "rev-parse", "--verify", "--quiet", f"{commit}:{repository.prefix}")
    tree_id = found.stdout.decode("ascii", "replace").strip()
    kind = _git(repository, "cat-file", "-t", tree_id) if found.returncode == 0 else found
    if kind.returncode != 0 or kind.stdout.strip() != b"tree":
        return {}
    listing = _checked(_git(repository, "ls-tree", "-r", "-z", tree_id), "git ls-tree")
    candidates = {}
    for entry in listing.split(b"\0"):
        details, _, name = entry.partition(b"\t")
        mode, _, object_id = details.decode("ascii", "replace").partition(" blob ")
        relative = name.decode("utf-8", "replace")
        if mode in _FILE_MODES and is_generated_path(relative):
            candidates[relative] = object_id
    contents = _blobs(repository, list(candidates.values()))
    files = {}
    for relative, object_id in sorted(candidates.items()):
        data = contents[object_id]
        if data.startswith(_MARKER):
            files[relative] = _text(data, f"{origin}{relative}")
    return files


def _blobs(repository: OutRepository, object_ids: list[str]) -> dict[str, bytes]:
    """The contents of the blobs `object_ids`, read by one `git cat-file --batch`."""
    if not object_ids:
        return {}
    batch = "".join(f"{object_id}\n" for object_id in object_ids).encode("ascii")
    output = _checked(_git(repository, "cat-file", "--batch", stdin=batch), "git cat-file")
    contents = {}
    position = 0
    for _ in object_ids:
        end = output.index(b"\n", position)
        header = output[position:end].decode("ascii", "replace")
        object_id, _, size = header.partition(" blob ")
        if not size.isdigit():
            raise ProjectError(f"git cat-file cannot read a file of the out tree: {header}")
        start = end + 1
        contents[object_id] = output[start : start + int(size)]
        position = start + int(size) + 1
    return contents


def _environment() -> dict[str, str]:
    """This process's environment without the variables that would point git at another
    repository than the one around the out tree, and with git's messages in English."""
    outside = {name: value for name, value in os.environ.items() if not name.startswith("GIT_")}
    local = _checked(_run(Path("/"), ["rev-parse", "--local-env-vars"], outside), "git rev-parse")
    names = set(local.decode("ascii", "replace").split())
    kept = {name: value for name, value in os.environ.items() if name not in names}
    return {**kept, "LC_ALL": "C", "LANGUAGE": "C"}


def _git(
    repository: OutRepository, *args: str, stdin: bytes | None = None
) -> subprocess.CompletedProcess[bytes]:
    return _run(repository.top, list(args), repository.environment, stdin)


def _run(
    directory: Path, args: list[str], environment: dict[str, str], stdin: bytes | None = None
) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(
            ["git", "-C", str(directory), *args],
            input=stdin,
            capture_output=True,
            env=environment,
            check=False,
        )
    except FileNotFoundError:
        raise ProjectError(
            f"git is not installed (no git on PATH), so no git ref can name a committed out "
            f"tree; install git, or {USE_A_DIRECTORY}"
        ) from None
    except OSError as error:
        raise ProjectError(
            f"git cannot be run ({error.strerror}), so no git ref can name a committed out tree; "
            f"{USE_A_DIRECTORY}"
        ) from None


def _checked(completed: subprocess.CompletedProcess[bytes], command: str) -> bytes:
    if completed.returncode != 0:
        raise ProjectError(f"{command} failed: {_reason(completed.stderr)}")
    return completed.stdout


def _reason(stderr: bytes) -> str:
    """git's message, on one line."""
    return " ".join(stderr.decode("utf-8", "replace").split()) or "no message"


def _text(data: bytes, where: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ProjectError(
            f"{where}: not UTF-8 text ({error.reason} at byte {error.start}); compiled trees "
            "are UTF-8, so this is no tree to compare with"
        ) from None
