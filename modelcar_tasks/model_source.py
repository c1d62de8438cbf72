"""Checks a catalogue record's download fields declare, run by `modelcar compile`.

A Hub source names a commit, so rebuilding a version packages the same weights; a branch or tag
is accepted only where the record says why (`MovingRevision`). An S3 source has no commits and
is exempt. The include patterns take one naming scheme of weights, never consolidated weights
beside the shards that hold the same numbers.
"""

from __future__ import annotations

import re
from typing import Any

import attrs

from modelcar_tasks.lib.model_files import COMMIT, HUB_SOURCE, S3_SOURCE, selected, shard_pattern

CONSOLIDATED_EXAMPLES = (
    "consolidated.safetensors",
    "consolidated.00.pth",
    "original/consolidated.00.pth",
)
SHARD_EXAMPLES = ("model-00001-of-00010.safetensors", "pytorch_model-00001-of-00002.bin")
"""Names of both schemes as Hub repositories spell them (CONSOLIDATED and SHARD in
lib/model_files.py match them); patterns are judged against them."""
SUGGESTED_INCLUDE = ("*.json", "tokenizer.model", "model-*.safetensors")


def _non_empty(_: Any, attribute: attrs.Attribute[str], value: str) -> None:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{attribute.name} must say why the revision may move")


@attrs.frozen
class MovingRevision:
    """A catalogue record's written reason to follow a Hub branch or tag instead of a commit:
    `moving_revision=MovingRevision("why")`. Rebuilding such a record may package other weights
    under the same version, so the reason stays in the record for every reviewer to see."""

    reason: str = attrs.field(validator=_non_empty)


def _opt_in(record: Any) -> MovingRevision | None:
    values = (getattr(record, field.name) for field in attrs.fields(type(record)))
    return next((value for value in values if isinstance(value, MovingRevision)), None)


@attrs.frozen
class PinnedRevision:
    """Marks a record's source field: `source: Annotated[str, PinnedRevision()]`."""

    def record_problem(self, value: Any, record: Any) -> str | None:
        source = str(value)
        opt_in = _opt_in(record)
        if not re.fullmatch(f"{HUB_SOURCE}|{S3_SOURCE}", source, re.ASCII):
            return (
                f"{source!r} is not a source download-model takes: hf://org/repo@<commit sha> "
                "or s3://bucket/prefix"
            )
        if source.startswith("s3://"):
            if opt_in:
                return (
                    f"{source!r} is an S3 prefix, which has no commits to pin; remove the "
                    "MovingRevision from the record"
                )
            return None
        repo, _, revision = source.removeprefix("hf://").partition("@")
        if COMMIT.fullmatch(revision):
            if opt_in:
                return (
                    f"{source!r} is pinned to a commit; remove the MovingRevision from the "
                    "record, it no longer says anything true"
                )
            return None
        if opt_in:
            return None
        follows = f"the branch or tag {revision!r}" if revision else "the default branch"
        return (
            f"{source!r} follows {follows}, which moves: building this record again could "
            f"package other weights under the same version. Pin the commit, "
            f"hf://{repo}@<40-hex sha> (the sha of "
            f"https://huggingface.co/api/models/{repo}/revision/{revision or 'main'}, and "
            "download-model's revision result); or, to follow it on purpose, add "
            "moving_revision=MovingRevision('<why>') to the record"
        )


@attrs.frozen
class OneWeightScheme:
    """Marks a record's include patterns: `include: Annotated[tuple[str, ...],
    OneWeightScheme()]`. Patterns that would take both consolidated weights and shards are
    refused; the download refuses a listing that holds both, too."""

    def record_problem(self, value: Any, record: Any) -> str | None:
        patterns = tuple(value)
        if not patterns:
            return (
                "include is empty, so download-model takes every file: a repository that ships "
                "consolidated weights beside its shards (Mistral's do) is downloaded twice and "
                "packed twice. List what the model needs, e.g. "
                f"{SUGGESTED_INCLUDE!r}"
            )
        consolidated = _taken(patterns, CONSOLIDATED_EXAMPLES)
        shards = _taken(patterns, SHARD_EXAMPLES)
        if not consolidated or not shards:
            return None
        return (
            f"include {list(patterns)!r} takes both consolidated weights ({consolidated}) and "
            f"shards ({shards}): a repository that ships both (Mistral's do) would be "
            "downloaded twice over and both packed into the image. Take one naming scheme: "
            f"{shard_pattern(SHARD_EXAMPLES[0])!r} for the shards, which vLLM loads with "
            "config.json, or 'consolidated.safetensors' alone"
        )


def _taken(patterns: tuple[str, ...], examples: tuple[str, ...]) -> str:
    """`name by 'pattern'` for the first example of a naming scheme the patterns take, or ''."""
    for name in examples:
        for pattern in patterns:
            if selected(name, [pattern]):
                return f"{name} by {pattern!r}"
    return ""
