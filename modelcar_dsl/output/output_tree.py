"""Writing the out tree: generated files only, one compile at a time, all or nothing.

A file is ours when it starts with the generated-file header; anything else in the out tree is
hand-written and is never changed or deleted. A compile locks the tree (flock on the directory
itself, so no lock file is left in a gitops checkout and a dead process holds no lock), stages
the new files in `.modelcar-compile-*/` inside it, commits a journal there that lists the renames
and removals to make, and only then makes them. Killed before the commit, it leaves the tree as it
was and its staging directory is garbage; killed after, the next command that reads the tree
replays the journal before anything else (every step is idempotent, so a replay may be killed
too). Links and other non-regular files inside the tree are never followed or opened.
"""

from __future__ import annotations

import contextlib
import difflib
import errno
import fcntl
import json
import os
import re
import shutil
import stat
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import attrs

from modelcar_dsl.diagnostics.errors import OutputTreeError
from modelcar_dsl.diagnostics.source import display_path
from modelcar_dsl.output.layout import (
    GENERATED_DIRS,
    GENERATED_MARKER,
    KUSTOMIZATION,
    PIPELINES_DIR,
    RUNS_DIR,
    TASKS_DIR,
)

STAGING_PREFIX = ".modelcar-compile-"
JOURNAL = "journal.json"
_JOURNAL_DRAFT = "journal.json.tmp"
_MARKER = GENERATED_MARKER.encode()
_DIRECTORY_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_READ_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
_GENERATED_NAME = re.compile(r"[^/\x00]+\.yaml")

Notify = Callable[[str], None]
_KINDS = {TASKS_DIR: "task", PIPELINES_DIR: "pipeline", RUNS_DIR: "run"}


def _quiet(_line: str) -> None:
    """The default for callers without a terminal (library use, tests)."""


@attrs.frozen
class TreeChanges:
    """What a compile did (or, for --check, would do) to the out tree."""

    written: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()

    @property
    def stale(self) -> bool:
        return bool(self.written or self.removed)


def write_tree(out: Path, files: dict[str, str], notify: Notify = _quiet) -> TreeChanges:
    """Make `out` hold `files` (relative path -> text) as its generated files, atomically."""
    with _locked(out, notify, create=True) as tree:
        assert tree is not None  # created above
        existing = tree.generated_files()
        changes = tree.plan(files, existing)
        if changes.stale:
            tree.swap_in(files, changes)
        return changes


def check_tree(
    out: Path, files: dict[str, str], notify: Notify = _quiet
) -> tuple[TreeChanges, str]:
    """What a compile would change, and the unified diff of it; writes nothing, except that it
    finishes a compile that was interrupted (so it never judges a half-swapped tree)."""
    with _locked(out, notify, create=False) as tree:
        existing = tree.generated_files() if tree else {}
        changes = tree.plan(files, existing) if tree else TreeChanges(written=tuple(files))
    return changes, _diff(existing, files, changes)


def read_generated(directory: Path, notify: Notify = _quiet) -> dict[str, str]:
    """Relative path -> text of the files a compile wrote in `directory`, told from hand-written
    ones as compile tells them (so `diff` never calls a hand-written file removed), once an
    interrupted compile there is finished."""
    with _locked(directory, notify, create=False) as tree:
        if tree is None:
            return {}
        return {
            relative: tree.decoded(relative, data)
            for relative, data in tree.generated_files().items()
        }


def _diff(existing: dict[str, bytes], files: dict[str, str], changes: TreeChanges) -> str:
    """A unified diff from the tree as it is to the tree a compile would write."""
    chunks: list[str] = []
    for relative in sorted({*changes.written, *changes.removed}):
        before = existing.get(relative, b"").decode("utf-8", "replace")
        after = files.get(relative, "")
        chunks.extend(
            difflib.unified_diff(
                before.splitlines(keepends=True),
                after.splitlines(keepends=True),
                fromfile=f"a/{relative}" if before else "/dev/null",
                tofile=f"b/{relative}" if relative in files else "/dev/null",
            )
        )
    return "".join(chunks)


@contextlib.contextmanager
def _locked(out: Path, notify: Notify, create: bool) -> Iterator[_Tree | None]:
    """The tree at `out`, exclusively locked and with any interrupted compile finished; None
    when it does not exist and `create` is false. `out` is used as given (the CLI resolves the
    user's --out once); below it, no link is followed."""
    if create:
        _make_out(out)
    try:
        fd = os.open(out, _DIRECTORY_FLAGS)
    except FileNotFoundError:
        if create:
            raise OutputTreeError(f"{_shown(out)} vanished while compile created it") from None
        yield None
        return
    except OSError as error:
        raise _out_error(out, error) from None
    tree = _Tree(out, fd)
    try:
        tree.lock(notify)
        tree.recover(notify)
        yield tree
    finally:
        tree.close()


def _make_out(out: Path) -> None:
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise _out_error(out, error) from None


def _out_error(out: Path, error: OSError) -> OutputTreeError:
    """Why the out tree itself cannot be used, naming the part of its path that is wrong."""
    if error.errno in (errno.ENOTDIR, errno.EEXIST):
        blocker = next(
            (p for p in (out, *out.parents) if p.exists() and not p.is_dir()),
            out,
        )
        return OutputTreeError(
            f"cannot use {_shown(out)} as the out tree: {_shown(blocker)} is a file, not a "
            "directory; choose another --out (or [tool.modelcar] out), or move the file away"
        )
    return OutputTreeError(
        f"cannot use {_shown(out)} as the out tree: {error.strerror}; choose another --out "
        "(or [tool.modelcar] out), or fix its permissions"
    )


def _shown(path: Path) -> str:
    return display_path(str(path))


def _split(relative: str) -> tuple[str, str]:
    """`01-tasks/task-a.yaml` -> (`01-tasks`, `task-a.yaml`); `kustomization.yaml` -> ("", ...)."""
    directory, _, name = relative.rpartition("/")
    return directory, name


class _Tree:
    """The out tree, open and locked. Every path below it is reached through descriptors of its
    directories opened without following links, so nothing is read, written, replaced or removed
    through a link however the tree changes meanwhile."""

    def __init__(self, root: Path, fd: int) -> None:
        self.root = root
        self.fd = fd
        self._directories: dict[str, int] = {"": fd}

    def close(self) -> None:
        for descriptor in self._directories.values():
            os.close(descriptor)
        self._directories.clear()

    def shown(self, relative: str) -> str:
        return _shown(self.root / relative) if relative else _shown(self.root)

    # Locking

    def lock(self, notify: Notify) -> None:
        """Wait for any other modelcar command on this tree; the kernel drops the lock when its
        holder dies, so a killed compile never leaves a stale lock."""
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            pass
        except OSError as error:
            raise OutputTreeError(
                f"cannot lock {self.shown('')} ({error.strerror}); compile needs a file system "
                "with flock(2) locks: compile on a local disk and copy the tree"
            ) from None
        holder = self._lock_holder()
        notify(
            f"waiting for another modelcar compile of {self.shown('')}"
            + (f" (pid {holder})" if holder else "")
        )
        fcntl.flock(self.fd, fcntl.LOCK_EX)

    def _lock_holder(self) -> int | None:
        """The pid holding the tree's lock, from /proc/locks where the system has it."""
        status = os.fstat(self.fd)
        device = f"{os.major(status.st_dev):02x}:{os.minor(status.st_dev):02x}:{status.st_ino}"
        try:
            with open("/proc/locks", encoding="ascii", errors="replace") as locks:
                for line in locks:
                    fields = line.split()
                    if fields[1:3] == ["FLOCK", "ADVISORY"] and fields[5:6] == [device]:
                        return int(fields[4]) if fields[4].isdigit() else None
        except OSError:
            return None
        return None

    # Reading

    def directory(self, name: str) -> int | None:
        """The descriptor of the tree's directory `name` ("" for the tree), None if absent; a link
        or a non-directory there stops the command."""
        if name in self._directories:
            return self._directories[name]
        try:
            status = os.stat(name, dir_fd=self.fd, follow_symlinks=False)
        except FileNotFoundError:
            return None
        except OSError as error:
            raise self._error(name, error, "fix its permissions") from None
        if stat.S_ISLNK(status.st_mode):
            raise self._link_error(name)
        if not stat.S_ISDIR(status.st_mode):
            raise OutputTreeError(
                f"{self.shown(name)} is not a directory; compile writes its generated files "
                "there: move it away"
            )
        try:
            descriptor = os.open(name, _DIRECTORY_FLAGS, dir_fd=self.fd)
        except OSError as error:
            if error.errno == errno.ELOOP:
                raise self._link_error(name) from None
            raise self._error(name, error, "fix its permissions") from None
        self._directories[name] = descriptor
        return descriptor

    def _link_error(self, relative: str) -> OutputTreeError:
        return OutputTreeError(
            f"{self.shown(relative)} is a symbolic link; compile never writes, replaces or "
            "removes through a link inside the out tree. Replace it with a real directory or "
            "file (or remove it), or give the tree the link points to as --out"
        )

    def _error(self, relative: str, error: OSError, advice: str) -> OutputTreeError:
        return OutputTreeError(f"{self.shown(relative)}: {error.strerror}; {advice}")

    def _status(self, relative: str) -> os.stat_result | None:
        """The entry's own status (a link's, not its target's); None if absent."""
        directory, name = _split(relative)
        descriptor = self.directory(directory)
        if descriptor is None:
            return None
        try:
            return os.stat(name, dir_fd=descriptor, follow_symlinks=False)
        except FileNotFoundError:
            return None
        except OSError as error:
            raise self._error(relative, error, "fix its permissions") from None

    def generated_file(self, relative: str) -> bytes | None:
        """The bytes of the file if modelcar generated it; None when it is absent, hand-written,
        or not a regular file (links and FIFOs are never opened, so never ours)."""
        status = self._status(relative)
        if status is None or not stat.S_ISREG(status.st_mode):
            return None
        directory, name = _split(relative)
        descriptor = self.directory(directory)
        assert descriptor is not None  # _status found the entry in it
        try:
            file = os.open(name, _READ_FLAGS, dir_fd=descriptor)
        except FileNotFoundError:
            return None
        except OSError as error:
            if error.errno == errno.ELOOP:
                return None
            raise self._unreadable(relative, error) from None
        try:
            if not stat.S_ISREG(os.fstat(file).st_mode):
                return None
            head = _read_up_to(file, len(_MARKER))
            if head != _MARKER:
                return None
            return head + _read_up_to(file, None)
        except OSError as error:
            raise self._unreadable(relative, error) from None
        finally:
            os.close(file)

    def _unreadable(self, relative: str, error: OSError) -> OutputTreeError:
        return OutputTreeError(
            f"cannot read {self.shown(relative)} ({error.strerror}); compile reads the *.yaml "
            "files of the directories it writes to tell its own from hand-written ones: make it "
            "readable (chmod u+r) or move it out of the tree"
        )

    def _list(self, directory: str) -> list[str]:
        """The names in one of the tree's directories (which must exist)."""
        descriptor = self.directory(directory)
        assert descriptor is not None
        try:
            return os.listdir(descriptor)
        except OSError as error:
            raise self._error(directory, error, "make it readable (chmod u+rx)") from None

    def generated_files(self) -> dict[str, bytes]:
        """The files an earlier compile wrote, by relative path."""
        candidates = [KUSTOMIZATION]
        for directory in GENERATED_DIRS:
            descriptor = self.directory(directory)
            if descriptor is not None:
                names = sorted(n for n in self._list(directory) if n.endswith(".yaml"))
                candidates += [f"{directory}/{name}" for name in names]
        found = {}
        for relative in candidates:
            data = self.generated_file(relative)
            if data is not None:
                found[relative] = data
        return found

    def decoded(self, relative: str, data: bytes) -> str:
        """A generated file's text; one that is not UTF-8 was changed by hand after compile."""
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as error:
            raise OutputTreeError(
                f"{self.shown(relative)} is not UTF-8 text (byte {error.start + 1}), though it "
                "starts with modelcar-dsl's header; compile writes UTF-8: compile into it again, "
                "or convert it (iconv -f latin1 -t utf-8)"
            ) from None

    def plan(self, files: dict[str, str], existing: dict[str, bytes]) -> TreeChanges:
        """Compare the rendered files with the tree; refuse to overwrite anything not ours,
        naming every file in the way at once so one round of moving them suffices."""
        in_the_way = [
            problem
            for relative in files
            if relative not in existing and (problem := self._in_the_way(relative))
        ]
        if len(in_the_way) > 1:
            in_the_way.append(f"{len(in_the_way)} files are in the way; nothing was written.")
        if in_the_way:
            raise OutputTreeError("\n".join(in_the_way))
        return TreeChanges(
            written=tuple(p for p, text in files.items() if existing.get(p) != text.encode()),
            removed=tuple(sorted(set(existing) - set(files))),
            unchanged=tuple(p for p, text in files.items() if existing.get(p) == text.encode()),
        )

    def _in_the_way(self, relative: str) -> str | None:
        """Why the path of a file compile is to write, where no generated file is, cannot take
        it; None when nothing is there."""
        status = self._status(relative)
        if status is None:
            return None
        if stat.S_ISLNK(status.st_mode):
            return str(self._link_error(relative))
        if not stat.S_ISREG(status.st_mode):
            return (
                f"{self.shown(relative)} exists and is not a regular file; compile would write "
                "its generated file there: move it away"
            )
        not_ours = (
            f"{self.shown(relative)} exists and was not generated by modelcar-dsl, so compile "
            "will not overwrite it"
        )
        if relative == KUSTOMIZATION:
            return (
                f"{not_ours}; compile writes the out tree's {KUSTOMIZATION} itself, listing "
                "every file it generates: move yours out of the tree (a kustomization one "
                "directory up can list this one as a resource and add what yours adds), or "
                "compile into a directory of its own (--out, or [tool.modelcar] out)"
            )
        kind = _KINDS[_split(relative)[0]]
        return f"{not_ours}; move it away, or rename the {kind} that would be written there"

    # Writing

    def swap_in(self, files: dict[str, str], changes: TreeChanges) -> None:
        """Stage, check, commit the journal, then replay it."""
        # os.urandom as secrets.token_hex uses it: importing secrets loads OpenSSL at start-up
        staging = STAGING_PREFIX + os.urandom(6).hex()
        try:
            os.mkdir(staging, 0o700, dir_fd=self.fd)
            os.fsync(self.fd)
        except OSError as error:
            raise self._error(
                "",
                error,
                "compile writes the tree in place: make it writable, or compile into another "
                "--out. Nothing was changed",
            ) from None
        try:
            staged = self._stage(staging, files, changes)
            self._preflight(staging, changes)
            self._commit(staging, staged, changes)
        except BaseException:
            self._discard(staging)
            raise
        self._replay(staging)

    def _stage(
        self, staging: str, files: dict[str, str], changes: TreeChanges
    ) -> list[tuple[str, str]]:
        """Write each changed file, fsynced, into the staging directory; (staged name, target)."""
        descriptor = self.directory(staging)
        assert descriptor is not None  # just made
        staged = []
        try:
            for index, relative in enumerate(changes.written):
                name = str(index)
                _write_new(name, files[relative].encode(), 0o666, descriptor)
                staged.append((name, relative))
            os.fsync(descriptor)
        except OSError as error:
            raise OutputTreeError(
                f"cannot write the new files into {self.shown(staging)} ({error.strerror}); "
                f"nothing was changed in {self.shown('')}"
            ) from None
        return staged

    def _preflight(self, staging: str, changes: TreeChanges) -> None:
        """Every directory the swap renames into or removes from is a writable directory of the
        staging directory's file system: checked before the first rename, not found half-way."""
        staging_device = os.fstat(self.fd).st_dev
        for directory in sorted({_split(r)[0] for r in (*changes.written, *changes.removed)}):
            descriptor = self.directory(directory)
            if descriptor is None:
                continue  # made in the tree by the swap
            if os.fstat(descriptor).st_dev != staging_device:
                raise OutputTreeError(
                    f"{self.shown(directory)} is on another file system than "
                    f"{self.shown('')}; compile swaps files in by renaming them, which cannot "
                    "cross file systems: make it an ordinary directory of the tree (not a mount "
                    "point). Nothing was changed"
                )
            if not os.access(".", os.W_OK | os.X_OK, dir_fd=descriptor):
                raise OutputTreeError(
                    f"{self.shown(directory)} is read-only; compile writes its generated files "
                    "there: make it writable (chmod u+w) and compile again. Nothing was changed"
                )

    def _commit(self, staging: str, staged: list[tuple[str, str]], changes: TreeChanges) -> None:
        """Write the journal in full, then give it its name: the compile's point of no return."""
        descriptor = self.directory(staging)
        assert descriptor is not None
        journal = {
            "format": 1,
            "mkdir": sorted({_split(r)[0] for r in changes.written} - {""}),
            "replace": staged,
            "remove": list(changes.removed),
        }
        try:
            _write_new(_JOURNAL_DRAFT, json.dumps(journal).encode(), 0o600, descriptor)
            os.replace(_JOURNAL_DRAFT, JOURNAL, src_dir_fd=descriptor, dst_dir_fd=descriptor)
            os.fsync(descriptor)
        except OSError as error:
            raise OutputTreeError(
                f"cannot write the journal into {self.shown(staging)} ({error.strerror}); "
                f"nothing was changed in {self.shown('')}"
            ) from None

    def recover(self, notify: Notify) -> None:
        """Finish the compile a committed journal describes; drop staging directories without
        one (the compile that made them was stopped before it changed anything)."""
        for name in sorted(self._list("")):
            if not name.startswith(STAGING_PREFIX):
                continue
            status = self._status(name)
            journal = None
            if status and stat.S_ISDIR(status.st_mode) and JOURNAL in self._list(name):
                journal = self._read_journal(name)
            if journal is None:
                self._discard(name)
                continue
            self._replay(name, journal)
            notify(
                f"finished an interrupted compile of {self.shown('')}: "
                f"{len(journal['replace'])} written, {len(journal['remove'])} removed"
            )

    def _read_journal(self, staging: str) -> dict[str, Any]:
        descriptor = self.directory(staging)
        assert descriptor is not None
        where = f"{staging}/{JOURNAL}"
        try:
            file = os.open(JOURNAL, _READ_FLAGS, dir_fd=descriptor)
            try:
                if not stat.S_ISREG(os.fstat(file).st_mode):
                    raise OSError(errno.EINVAL, "not a regular file")
                journal = json.loads(_read_up_to(file, None))
            finally:
                os.close(file)
        except (OSError, ValueError):
            journal = None
        if not _valid_journal(journal):
            raise OutputTreeError(
                f"{self.shown(where)} is not a journal modelcar can replay, so the compile it "
                f"records cannot be finished; check the tree (git status), remove "
                f"{self.shown(staging)} and compile again"
            )
        assert isinstance(journal, dict)
        return journal

    def _replay(self, staging: str, journal: dict[str, Any] | None = None) -> None:
        """Make the journal's changes; each step is skipped when it is already done."""
        journal = journal or self._read_journal(staging)
        staging_fd = self.directory(staging)
        assert staging_fd is not None
        step = ""
        try:
            for directory in journal["mkdir"]:
                step = directory
                if self.directory(directory) is None:
                    os.mkdir(directory, dir_fd=self.fd)
                    self.directory(directory)
            for staged, relative in journal["replace"]:
                step = relative
                directory, name = _split(relative)
                target = self.directory(directory)
                assert target is not None  # made by the mkdir steps
                if _exists(staging_fd, staged):
                    os.replace(staged, name, src_dir_fd=staging_fd, dst_dir_fd=target)
            for relative in journal["remove"]:
                step = relative
                if self.generated_file(relative) is not None:
                    directory, name = _split(relative)
                    os.unlink(name, dir_fd=self._directories[directory])
            step = ""
            touched = [r for _, r in journal["replace"]] + journal["remove"]
            for directory in sorted({_split(r)[0] for r in touched}):
                descriptor = self.directory(directory)
                if descriptor is not None:
                    os.fsync(descriptor)
            for directory in GENERATED_DIRS:
                step = directory
                self._remove_if_empty(directory)
            step = ""
            os.fsync(self.fd)
            step = f"{staging}/{JOURNAL}"
            os.unlink(JOURNAL, dir_fd=staging_fd)
            os.fsync(staging_fd)
        except OSError as error:
            raise OutputTreeError(
                f"compile stopped half-way at {self.shown(step)} ({error.strerror}); fix that "
                f"and run `modelcar compile` again: it finishes this compile first (its journal "
                f"is {self.shown(f'{staging}/{JOURNAL}')})"
            ) from None
        self._discard(staging)

    def _remove_if_empty(self, directory: str) -> None:
        descriptor = self.directory(directory)
        if descriptor is None or os.listdir(descriptor):
            return
        try:
            os.rmdir(directory, dir_fd=self.fd)
        except FileNotFoundError:
            pass
        except OSError as error:
            if error.errno != errno.ENOTEMPTY:
                raise
        os.close(self._directories.pop(directory))

    def _discard(self, name: str) -> None:
        """Remove a staging directory (or whatever took its name), never following links; best
        effort, since a garbage directory changes nothing a compile reads."""
        descriptor = self._directories.pop(name, None)
        if descriptor is not None:
            os.close(descriptor)
        with contextlib.suppress(OSError):
            status = os.stat(name, dir_fd=self.fd, follow_symlinks=False)
            if stat.S_ISDIR(status.st_mode):
                shutil.rmtree(name, dir_fd=self.fd)
            else:
                os.unlink(name, dir_fd=self.fd)
            os.fsync(self.fd)


def _exists(directory: int, name: str) -> bool:
    try:
        os.stat(name, dir_fd=directory, follow_symlinks=False)
    except FileNotFoundError:
        return False
    return True


def _read_up_to(file: int, limit: int | None) -> bytes:
    """`limit` bytes of the file (or all of it when None), fewer only at its end."""
    chunks = []
    size = 0
    while limit is None or size < limit:
        chunk = os.read(file, 1 << 16 if limit is None else limit - size)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def is_generated_path(relative: Any) -> bool:
    """A path a compile writes: kustomization.yaml, or a *.yaml in a generated directory."""
    if not isinstance(relative, str):
        return False
    directory, name = _split(relative)
    return ((directory == "" and name == KUSTOMIZATION) or directory in GENERATED_DIRS) and bool(
        _GENERATED_NAME.fullmatch(name)
    )


def _valid_journal(journal: Any) -> bool:
    """The journal's shape, checked before a step is taken, since a replay trusts its paths."""
    if not isinstance(journal, dict) or journal.get("format") != 1:
        return False
    mkdir, replace, remove = journal.get("mkdir"), journal.get("replace"), journal.get("remove")
    return (
        isinstance(mkdir, list)
        and all(d in GENERATED_DIRS for d in mkdir)
        and isinstance(replace, list)
        and all(
            isinstance(pair, list)
            and len(pair) == 2
            and isinstance(pair[0], str)
            and pair[0].isdigit()
            and is_generated_path(pair[1])
            for pair in replace
        )
        and isinstance(remove, list)
        and all(is_generated_path(r) for r in remove)
    )


def _write_new(name: str, data: bytes, mode: int, directory: int) -> None:
    """A new file `name` in `directory` (never an existing one, never through a link), its
    bytes on disk before this returns."""
    file = os.open(
        name,
        os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC,
        mode,
        dir_fd=directory,
    )
    with open(file, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
