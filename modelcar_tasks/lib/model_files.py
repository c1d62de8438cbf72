"""What a model source and its files look like, for the download step and the catalogue's
compile-time checks alike: one definition, so both judge a source and its patterns the same."""

import fnmatch
import re
from collections.abc import Iterable

HUB_SOURCE = r"hf://[A-Za-z0-9][\w.-]{0,95}/[A-Za-z0-9][\w.-]{0,95}(@[\w./-]{1,255})?"
S3_SOURCE = r"s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/[^\x00-\x1f\x7f]*)?"
COMMIT = re.compile(r"[0-9a-f]{40}")
"""A Hub commit sha: the one revision that never moves (a branch or tag can)."""
WEIGHT_SUFFIX = r"\.(?:safetensors|bin|pt|pth)"
SHARD = re.compile(rf"(?P<stem>(?:.*/)?[^/]+)-[0-9]+-of-[0-9]+(?P<suffix>{WEIGHT_SUFFIX})")
"""Sharded weights, as transformers writes them: model-00001-of-00010.safetensors."""
CONSOLIDATED = re.compile(rf"(?:.*/)?consolidated(?:\.[0-9]+)?{WEIGHT_SUFFIX}")
"""Consolidated weights, as Mistral's and Meta's native formats ship them beside the shards:
consolidated.safetensors, original/consolidated.00.pth. The same weights a second time."""


def selected(path: str, patterns: Iterable[str]) -> bool:
    """Whether include patterns take `path` (every file when there are none). `*` also matches
    `/`, as fnmatch does; case counts on every platform."""
    patterns = list(patterns)
    return not patterns or any(fnmatch.fnmatchcase(path, pattern) for pattern in patterns)


def shard_pattern(path: str) -> str:
    """The include pattern of one shard's naming scheme (model-*.safetensors)."""
    match = SHARD.fullmatch(path)
    return f"{match['stem']}-*{match['suffix']}" if match else path
