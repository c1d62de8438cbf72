#!/usr/bin/env python3
"""Download model weights from Hugging Face or S3 into the workspace, resuming what is there.

Inputs (environment): SOURCE (hf://org/repo[@revision] or s3://bucket/prefix), MODEL_DIR and
MANIFEST (inside the workspace, the manifest outside the model directory), PARALLEL,
WORKSPACE_SOURCE_PATH; include patterns as arguments (all files when none). Hugging Face:
HF_TOKEN (optional), HF_ENDPOINT (a mirror; default https://huggingface.co). S3: S3_ENDPOINT
(empty for AWS), S3_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN. Trust:
the ca-bundle workspace and the service CA. RETRY_DELAY_SECONDS (first backoff; tests set 0).
MODELCAR_TEST_FREE_BYTES (tests only): the free space to assume when it is less than the file
system's, so a test can run out of room without filling a disk; it can never raise the figure.
Results: RESULT_*_PATH. File names the source lists are hostile too: each must stay inside the
model directory.

Before any byte is fetched, the step refuses a selection that holds both consolidated weights
and shards (the same weights twice), and one that cannot fit in the workspace's free space.

Each file is written to a .part file, hashed while it is written, checked against the size (and
the Hub's sha256) and then renamed into place; an interrupted run continues each .part with a
Range request. The manifest lists every file with size and sha256 and is the resume state.
"""

from __future__ import annotations

import concurrent.futures
import datetime
import errno
import hashlib
import hmac
import json
import os
import ssl
import stat
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from modelcar_tasks.lib.model_files import (
    COMMIT,
    CONSOLIDATED,
    HUB_SOURCE,
    S3_SOURCE,
    SHARD,
    selected,
    shard_pattern,
)
from modelcar_tasks.lib.step_inputs import (
    InputError,
    StepError,
    confined_path,
    count,
    failed,
    inside,
    open_new,
    overlap,
    text,
)
from modelcar_tasks.lib.trust import open_url, ssl_context, url_param

CHUNK = 8 << 20
ATTEMPTS = 4
EMPTY_PAYLOAD = hashlib.sha256(b"").hexdigest()
S3_NAMESPACE = "{http://s3.amazonaws.com/doc/2006-03-01/}"
PARTS_DIR = ".download"
MAX_PAGES = 10_000
"""S3 lists 1,000 keys a page: a bound far above any model, below a server that never stops."""


class DownloadError(StepError):
    """A failure explained for the user; printed without a traceback."""


@dataclass(frozen=True)
class Inputs:
    """Every input of the step, checked before anything is read, listed or removed."""

    source: str
    hf_endpoint: str
    s3_endpoint: str
    s3_region: str
    parallel: int
    retry_delay: int
    free_bytes_for_tests: int | None
    model_dir: Path
    manifest: Path
    parts: Path


def s3_endpoint() -> str:
    """Empty (AWS), or an https:// URL (http:// to a host the project lists)."""
    return url_param("S3_ENDPOINT") if os.environ.get("S3_ENDPOINT") else ""


def read_inputs() -> Inputs:
    model_dir, manifest, parts = workspace_paths()
    return Inputs(
        source=text(
            "SOURCE", f"{HUB_SOURCE}|{S3_SOURCE}", "hf://org/repo[@revision] or s3://bucket/prefix"
        ),
        hf_endpoint=url_param("HF_ENDPOINT", "https://huggingface.co"),
        s3_endpoint=s3_endpoint(),
        s3_region=text("S3_REGION", "[a-z0-9-]{1,32}", "an S3 region", "us-east-1"),
        parallel=count("PARALLEL", 1, 32, 4),
        retry_delay=count("RETRY_DELAY_SECONDS", 0, 60, 2),
        free_bytes_for_tests=(
            count("MODELCAR_TEST_FREE_BYTES", 0, 999_999_999)
            if "MODELCAR_TEST_FREE_BYTES" in os.environ
            else None
        ),
        model_dir=model_dir,
        manifest=manifest,
        parts=parts,
    )


@dataclass(frozen=True)
class RemoteFile:
    """One file to fetch: its path in the model directory, size, known sha256 if any, and when
    it last changed (S3's LastModified; the Hub dates the revision instead)."""

    path: str
    size: int
    url: str
    sha256: str | None = None
    modified: str = ""


def rfc3339(value: str, what: str) -> str:
    """A date the source gives (2025-01-30T12:34:56.000Z) as RFC 3339 UTC to the second
    (2025-01-30T12:34:56Z): the form a label takes, the same on every run."""
    try:
        moment = datetime.datetime.fromisoformat(value)
    except (TypeError, ValueError):
        moment = None
    if moment is None or moment.tzinfo is None:
        raise DownloadError(f"{what} is {value!r}, not a date with a time zone")
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class Source:
    """Where the files come from: lists them and opens byte ranges of them."""

    revision = ""
    context: ssl.SSLContext
    retry_delay = 2

    def list_files(self) -> list[RemoteFile]:
        raise NotImplementedError

    def revision_date(self, files: list[RemoteFile]) -> str:
        """When the files being downloaded last changed, in RFC 3339 UTC."""
        raise NotImplementedError

    def headers(self, method: str, url: str) -> dict[str, str]:
        raise NotImplementedError

    def open(self, url: str, offset: int, context: ssl.SSLContext) -> IO[bytes]:
        request = urllib.request.Request(url)
        for name, value in self.headers("GET", url).items():
            request.add_unredirected_header(name, value)
        if offset:
            request.add_header("Range", f"bytes={offset}-")
        response: IO[bytes] = open_url(request, context, 120)
        return response

    def get_json(self, url: str, context: ssl.SSLContext) -> bytes:
        """The listing at `url`. A server that cannot be reached fails the step with its reason;
        an HTTP error status is the caller's to explain."""
        request = urllib.request.Request(url)
        for name, value in self.headers("GET", url).items():
            request.add_unredirected_header(name, value)
        try:
            with open_url(request, context, 120) as response:
                body: bytes = response.read()
                return body
        except urllib.error.HTTPError:
            raise
        except (urllib.error.URLError, OSError) as error:
            raise DownloadError(
                f"cannot reach {url}: {getattr(error, 'reason', error)}. If its certificate is "
                "not trusted, bind a ca-bundle workspace with the CA that signed it"
            ) from None


class HuggingFace(Source):
    """A Hub repository at a revision, pinned to its commit so files cannot change mid-run."""

    def __init__(self, spec: str, inputs: Inputs, context: ssl.SSLContext) -> None:
        self.repo, _, revision = spec.partition("@")
        if ".." in self.repo.split("/"):
            raise InputError(f"source {spec!r} names no Hub repository (org/name)")
        self.requested = revision or "main"
        self.date = ""
        self.endpoint = inputs.hf_endpoint.rstrip("/")
        self.token = os.environ.get("HF_TOKEN", "").strip()
        self.context = context

    def headers(self, method: str, url: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def list_files(self) -> list[RemoteFile]:
        quoted = urllib.parse.quote(self.requested, safe="")
        url = f"{self.endpoint}/api/models/{self.repo}/revision/{quoted}?blobs=true"
        try:
            info = json.loads(self.get_json(url, self.context))
        except urllib.error.HTTPError as error:
            if error.code in (401, 403):
                raise DownloadError(
                    f"{self.repo} is gated or private ({error.code}): put a token with access "
                    "in the hf-token Secret (key token)"
                ) from None
            if error.code == 404:
                raise DownloadError(
                    f"no model {self.repo} at revision {self.requested} on {self.endpoint}"
                ) from None
            raise DownloadError(f"listing {url} failed: {error.code} {error.reason}") from None
        except ValueError as error:
            raise DownloadError(f"{url} answered an unexpected listing: {error!r}") from None
        try:
            self.revision = str(info["sha"])
            self.date = str(info.get("lastModified", ""))
            files = []
            for sibling in info.get("siblings", []):
                lfs = sibling.get("lfs") or {}
                path = str(sibling["rfilename"])
                files.append(
                    RemoteFile(
                        path=path,
                        size=int(lfs.get("size", sibling["size"])),
                        url=f"{self.endpoint}/{self.repo}/resolve/"
                        + urllib.parse.quote(self.revision, safe="")
                        + "/"
                        + urllib.parse.quote(path),
                        sha256=lfs.get("sha256"),
                    )
                )
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            raise DownloadError(f"{url} answered an unexpected listing: {error!r}") from None
        if not self.date:
            raise DownloadError(
                f"{url} gives no lastModified for the revision, so the image could not carry "
                "its commit date; use the Hub or a mirror that serves the Hub's API whole"
            )
        return files

    def revision_date(self, files: list[RemoteFile]) -> str:
        """The revision's commit date, which the Hub gives as lastModified."""
        return rfc3339(self.date, f"the lastModified of {self.repo}@{self.requested}")


class S3(Source):
    """An S3 prefix on AWS or any S3-compatible endpoint, signed with AWS Signature V4."""

    def __init__(self, spec: str, inputs: Inputs, context: ssl.SSLContext) -> None:
        self.bucket, _, prefix = spec.partition("/")
        self.prefix = prefix if not prefix or prefix.endswith("/") else prefix + "/"
        self.region = inputs.s3_region
        endpoint = inputs.s3_endpoint.rstrip("/")
        self.endpoint = endpoint or f"https://s3.{self.region}.amazonaws.com"
        self.access_key = os.environ.get("AWS_ACCESS_KEY_ID", "")
        self.secret_key = os.environ.get("AWS_SECRET_ACCESS_KEY", "")
        self.session_token = os.environ.get("AWS_SESSION_TOKEN", "")
        self.context = context
        if not self.access_key or not self.secret_key:
            raise DownloadError(
                "S3 needs credentials: put AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the "
                "s3-credentials Secret"
            )

    def object_url(self, key: str) -> str:
        return f"{self.endpoint}/{self.bucket}/{urllib.parse.quote(key)}"

    def headers(self, method: str, url: str) -> dict[str, str]:
        """AWS Signature Version 4 headers for a request without a body (every call here)."""
        parsed = urllib.parse.urlsplit(url)
        now = datetime.datetime.now(datetime.UTC)
        amz_date = now.strftime("%Y%m%dT%H%M%SZ")
        scope = f"{amz_date[:8]}/{self.region}/s3/aws4_request"
        signed = {
            "host": parsed.netloc,
            "x-amz-content-sha256": EMPTY_PAYLOAD,
            "x-amz-date": amz_date,
        }
        if self.session_token:
            signed["x-amz-security-token"] = self.session_token
        query = sorted(urllib.parse.parse_qsl(parsed.query, keep_blank_values=True))
        canonical_query = "&".join(
            f"{urllib.parse.quote(k, safe='-_.~')}={urllib.parse.quote(v, safe='-_.~')}"
            for k, v in query
        )
        names = ";".join(sorted(signed))
        canonical = "\n".join(
            [
                method,
                parsed.path or "/",
                canonical_query,
                "".join(f"{name}:{signed[name]}\n" for name in sorted(signed)),
                names,
                EMPTY_PAYLOAD,
            ]
        )
        to_sign = "\n".join(
            [
                "AWS4-HMAC-SHA256",
                amz_date,
                scope,
                hashlib.sha256(canonical.encode()).hexdigest(),
            ]
        )
        key = ("AWS4" + self.secret_key).encode()
        for part in (amz_date[:8], self.region, "s3", "aws4_request"):
            key = hmac.new(key, part.encode(), hashlib.sha256).digest()
        signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
        authorization = (
            f"AWS4-HMAC-SHA256 Credential={self.access_key}/{scope}, "
            f"SignedHeaders={names}, Signature={signature}"
        )
        return {**{k: v for k, v in signed.items() if k != "host"}, "Authorization": authorization}

    def list_files(self) -> list[RemoteFile]:
        files = []
        token = ""
        for _ in range(MAX_PAGES):
            # The prefix is sent without its trailing slash and the keys filtered here, which
            # lists the same objects and keeps "/" out of the signed query for one-level prefixes.
            query = {"list-type": "2", "prefix": self.prefix.removesuffix("/")}
            if token:
                query["continuation-token"] = token
            url = f"{self.endpoint}/{self.bucket}?{urllib.parse.urlencode(query)}"
            try:
                root = ElementTree.fromstring(self.get_json(url, self.context))
            except urllib.error.HTTPError as error:
                detail = error.read().decode(errors="replace")
                raise DownloadError(
                    f"listing s3://{self.bucket}/{self.prefix} failed ({error.code}): {detail}"
                ) from None
            except ElementTree.ParseError as error:
                raise DownloadError(f"{url} answered an unexpected listing: {error}") from None
            for item in root.iter(f"{S3_NAMESPACE}Contents"):
                key = item.findtext(f"{S3_NAMESPACE}Key") or ""
                if key.endswith("/") or not key.startswith(self.prefix):
                    continue
                files.append(
                    RemoteFile(
                        path=key[len(self.prefix) :],
                        size=int(item.findtext(f"{S3_NAMESPACE}Size") or 0),
                        url=self.object_url(key),
                        modified=item.findtext(f"{S3_NAMESPACE}LastModified") or "",
                    )
                )
            token = root.findtext(f"{S3_NAMESPACE}NextContinuationToken") or ""
            if root.findtext(f"{S3_NAMESPACE}IsTruncated") != "true" or not token:
                return files
        raise DownloadError(f"s3://{self.bucket}/{self.prefix} lists more than {MAX_PAGES} pages")

    def revision_date(self, files: list[RemoteFile]) -> str:
        """S3 has no commits: the newest LastModified of the objects downloaded."""
        return max(rfc3339(f.modified, f"the LastModified of {f.path}") for f in files)


class Manifest:
    """Files finished so far (path -> size, sha256), saved after each one: the resume state."""

    def __init__(self, path: Path, source: str, revision: str) -> None:
        self.path = path
        self.source = source
        self.revision = revision
        self.lock = threading.Lock()
        self.files: dict[str, dict[str, object]] = {}
        if path.is_file():
            saved = json.loads(path.read_text())
            if saved.get("source") == source and saved.get("revision") == revision:
                self.files = {entry["path"]: entry for entry in saved.get("files", [])}

    def done(self, remote: RemoteFile, target: Path) -> bool:
        entry = self.files.get(remote.path)
        return (
            entry is not None
            and entry["size"] == remote.size
            and (remote.sha256 is None or entry["sha256"] == remote.sha256)
            and target.is_file()
            and target.stat().st_size == remote.size
        )

    def record(self, path: str, size: int, sha256: str) -> None:
        with self.lock:
            self.files[path] = {"path": path, "size": size, "sha256": sha256}
            self.save()

    def keep_only(self, paths: set[str]) -> None:
        self.files = {path: entry for path, entry in self.files.items() if path in paths}
        self.save()

    def save(self) -> None:
        document = {
            "source": self.source,
            "revision": self.revision,
            "files": [self.files[path] for path in sorted(self.files)],
        }
        partial = self.path.with_name(self.path.name + ".partial")
        partial.parent.mkdir(parents=True, exist_ok=True)
        with open_new(partial) as output:
            output.write((json.dumps(document, indent=1) + "\n").encode())
        partial.replace(self.path)


def open_part(part: Path) -> IO[bytes]:
    """The partial file, to read and append. Anything but a regular file at its name (a link
    planted to lead out of the workspace, a FIFO) is removed first; a link is never followed."""
    flags = os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW
    try:
        descriptor = os.open(part, flags, 0o664)
        if stat.S_ISREG(os.fstat(descriptor).st_mode):
            return os.fdopen(descriptor, "r+b")
        os.close(descriptor)
    except OSError as error:
        if error.errno != errno.ELOOP:
            raise
    part.unlink()
    return os.fdopen(os.open(part, flags | os.O_EXCL, 0o664), "r+b")


def fetch(source: Source, remote: RemoteFile, part: Path, context: ssl.SSLContext) -> str:
    """Fill `part` with the file, continuing what is there; return its sha256. A server that
    sends more than the listed size is stopped at that size, never written past it."""
    with open_part(part) as handle:
        os.fchmod(handle.fileno(), 0o664)
        for attempt in range(1, ATTEMPTS + 1):
            digest = hashlib.sha256()
            offset = os.fstat(handle.fileno()).st_size
            if offset > remote.size:
                handle.truncate(0)
                offset = 0
            handle.seek(0)
            while block := handle.read(CHUNK):
                digest.update(block)
            if offset == remote.size:
                return digest.hexdigest()
            try:
                with source.open(remote.url, offset, context) as response:
                    if offset and getattr(response, "status", 200) != 206:
                        print(f"{remote.path}: the server cannot resume; starting over")
                        digest, offset = hashlib.sha256(), 0
                        handle.truncate(0)
                    elif offset:
                        print(f"{remote.path}: resuming at byte {offset}")
                    handle.seek(offset)
                    while block := response.read(CHUNK):
                        offset += len(block)
                        if offset > remote.size:
                            raise DownloadError(
                                f"{remote.path}: the server sent more than the {remote.size} "
                                "bytes it lists; not writing past them"
                            )
                        digest.update(block)
                        handle.write(block)
                handle.flush()
                if offset == remote.size:
                    return digest.hexdigest()
                raise OSError(f"got {offset} of {remote.size} bytes")
            except urllib.error.HTTPError as error:
                if error.code < 500:
                    raise DownloadError(f"{remote.path}: {error.code} {error.reason}") from None
                problem = f"{error.code} {error.reason}"
            except (OSError, urllib.error.URLError) as error:
                problem = str(error)
            if attempt == ATTEMPTS:
                raise DownloadError(f"{remote.path}: {problem} after {ATTEMPTS} attempts")
            print(f"{remote.path}: {problem}; retrying (attempt {attempt + 1} of {ATTEMPTS})")
            time.sleep(min(source.retry_delay * 2 ** (attempt - 1), 60))
    raise AssertionError("unreachable")


def part_of(remote: RemoteFile, parts: Path) -> Path:
    """The partial file of `remote`, named by a hash: no listed name can lead anywhere else."""
    return parts / (hashlib.sha256(remote.path.encode()).hexdigest() + ".part")


def download(
    source: Source, remote: RemoteFile, target: Path, parts: Path, manifest: Manifest
) -> None:
    part = part_of(remote, parts)
    sha256 = fetch(source, remote, part, source.context)
    if remote.sha256 and sha256 != remote.sha256:
        part.unlink()
        raise DownloadError(
            f"{remote.path}: sha256 {sha256} does not match the Hub's {remote.sha256}; "
            "the partial file was removed, run again"
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    part.replace(target)
    manifest.record(remote.path, remote.size, sha256)
    print(f"{remote.path}: {remote.size} bytes, sha256 {sha256}")


def make_source(inputs: Inputs) -> Source:
    context = ssl_context()
    source: Source
    if inputs.source.startswith("hf://"):
        source = HuggingFace(inputs.source.removeprefix("hf://"), inputs, context)
    else:
        source = S3(inputs.source.removeprefix("s3://"), inputs, context)
    source.retry_delay = inputs.retry_delay
    return source


def remove_stale(model_dir: Path, wanted: set[str]) -> None:
    """Delete files a previous run left that the source no longer has (or the patterns skip).
    Links are removed as links, never followed."""
    for path in sorted(model_dir.rglob("*"), reverse=True):
        relative = path.relative_to(model_dir).as_posix()
        if path.is_symlink() or path.is_file():
            if relative not in wanted:
                path.unlink()
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()


def workspace_paths() -> tuple[Path, Path, Path]:
    """The model directory, the manifest and the directory of partial files, each checked to
    stay apart: the stale-file cleanup would otherwise delete the others."""
    model_dir = confined_path("MODEL_DIR", "model")
    manifest = confined_path("MANIFEST", "model-manifest.json")
    parts = inside(Path(os.environ["WORKSPACE_SOURCE_PATH"]), PARTS_DIR, "the partial files")
    pairs = ((model_dir, manifest), (model_dir, parts), (manifest, parts))
    for path, other in pairs:
        if overlap(path, other):
            raise InputError(
                f"{path} and {other} overlap (model-dir, manifest and the partial files in "
                f"{PARTS_DIR}): the clean-up of one would remove the other; keep them apart"
            )
    return model_dir, manifest, parts


def size_text(count: int) -> str:
    return f"{count} bytes ({count / 2**30:.1f} GiB)"


def names_text(paths: list[str]) -> str:
    shown = paths if len(paths) <= 4 else [*paths[:2], "...", paths[-1]]
    return ", ".join(shown) + (f" ({len(paths)} files)" if len(paths) > 1 else "")


def refuse_both_weight_schemes(spec: str, patterns: list[str], files: list[RemoteFile]) -> None:
    """A repository that ships consolidated weights beside its shards holds the same weights
    twice; patterns that take both would download and pack both."""
    consolidated = [remote for remote in files if CONSOLIDATED.fullmatch(remote.path)]
    shards = sorted(remote.path for remote in files if SHARD.fullmatch(remote.path))
    if not consolidated or not shards:
        return
    names = [remote.path for remote in consolidated]
    raise DownloadError(
        f"{spec} with include {patterns or ['*']} selects both consolidated weights "
        f"({names_text(names)}) and shards ({names_text(shards)}): the same weights twice, "
        f"{size_text(sum(remote.size for remote in consolidated))} more to download and pack. "
        f"Include one naming scheme: {shard_pattern(shards[0])!r} for the shards (what vLLM "
        f"loads with config.json), or {names[0]!r} alone; in the catalogue, the record's include"
    )


def free_bytes(inputs: Inputs) -> int:
    """What the workspace's file system has free for this pod (or the tests' lower figure)."""
    status = os.statvfs(inputs.parts.parent)
    free = status.f_bavail * status.f_frsize
    if inputs.free_bytes_for_tests is not None:
        return min(free, inputs.free_bytes_for_tests)
    return free


def present_bytes(remote: RemoteFile, parts: Path) -> int:
    """Bytes of `remote` a partial file already holds; the download continues from them."""
    try:
        status = os.lstat(part_of(remote, parts))
    except FileNotFoundError:
        return 0
    if not stat.S_ISREG(status.st_mode) or status.st_size > remote.size:
        return 0  # a planted link is replaced and an oversized part restarted: nothing kept
    return status.st_size


def refuse_what_cannot_fit(
    spec: str, files: list[RemoteFile], pending: list[RemoteFile], inputs: Inputs
) -> None:
    """Fail before any byte is fetched when what is still missing exceeds the free space:
    hours into a download is too late to find the PVC too small."""
    total = sum(remote.size for remote in files)
    needed = sum(remote.size - present_bytes(remote, inputs.parts) for remote in pending)
    free = free_bytes(inputs)
    if needed > free:
        raise DownloadError(
            f"{spec} needs {size_text(needed)} more in the workspace ({size_text(total)} "
            f"selected, {size_text(total - needed)} already there), but it has "
            f"{size_text(free)} free. Give the run a bigger PVC (VolumeClaim(size=...) of its "
            f"source workspace): the build needs about twice the weights, "
            f"{size_text(2 * total)} here"
        )
    if free - needed < total:
        print(
            f"warning: after the download {size_text(free - needed)} stay free; building the "
            f"image may need about the weights again ({size_text(total)}) where the file "
            "system cannot share the copy (reflink)"
        )


def run(patterns: list[str]) -> dict[str, str]:
    inputs = read_inputs()
    spec, model_dir, parts = inputs.source, inputs.model_dir, inputs.parts
    source = make_source(inputs)
    files = [remote for remote in source.list_files() if selected(remote.path, patterns)]
    if not files:
        raise DownloadError(f"{spec} has no files matching {patterns or ['*']}")
    refuse_both_weight_schemes(spec, patterns, files)
    revision_date = source.revision_date(files)
    if isinstance(source, HuggingFace) and not COMMIT.fullmatch(source.requested):
        print(
            f"note: {source.requested!r} moves; this run downloads commit {source.revision}. "
            f"Pin it in the catalogue: hf://{source.repo}@{source.revision}"
        )
    model_dir.mkdir(parents=True, exist_ok=True)
    targets = {remote.path: inside(model_dir, remote.path, "file") for remote in files}
    manifest = Manifest(inputs.manifest, spec, source.revision)
    parts.mkdir(exist_ok=True)
    wanted = set(targets)
    manifest.keep_only(wanted)
    remove_stale(model_dir, wanted)
    pending = [remote for remote in files if not manifest.done(remote, targets[remote.path])]
    print(
        f"{spec} ({source.revision or 'no revision'}, {revision_date}): {len(files)} files, "
        f"{len(files) - len(pending)} already complete, {len(pending)} to download"
    )
    refuse_what_cannot_fit(spec, files, pending, inputs)
    with concurrent.futures.ThreadPoolExecutor(max_workers=inputs.parallel) as pool:
        futures = [
            pool.submit(download, source, remote, targets[remote.path], parts, manifest)
            for remote in pending
        ]
        for future in concurrent.futures.as_completed(futures):
            future.result()
    for leftover in parts.iterdir():
        leftover.unlink()
    parts.rmdir()
    total = sum(remote.size for remote in files)
    print(f"Downloaded {spec}: {len(files)} files, {total} bytes")
    return {
        "MODEL_SIZE_BYTES": str(total),
        "FILE_COUNT": str(len(files)),
        "REVISION": source.revision,
        "REVISION_DATE": revision_date,
    }


def main() -> int:
    try:
        results = run(sys.argv[1:])
    except StepError as error:
        return failed(error)
    for name, value in results.items():
        Path(os.environ[f"RESULT_{name}_PATH"]).write_text(value)
    return 0


if __name__ == "__main__":
    sys.exit(main())
