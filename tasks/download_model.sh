#!/usr/bin/env bash
# Download a model into $WORKSPACE_SOURCE_PATH/$MODEL_DIR and write MANIFEST.tsv beside it.
# Inputs: SOURCE (hf://org/repo[@revision] | s3://bucket/prefix), MODEL_DIR, HF_TOKEN (optional).
set -euo pipefail

: "${SOURCE:?SOURCE is required}" "${MODEL_DIR:?MODEL_DIR is required}"
: "${WORKSPACE_SOURCE_PATH:?WORKSPACE_SOURCE_PATH is required}"
target="$WORKSPACE_SOURCE_PATH/$MODEL_DIR"
mkdir -p "$target"

case "$SOURCE" in
  hf://*)
    repo="${SOURCE#hf://}"
    revision="main"
    if [[ "$repo" == *@* ]]; then
      revision="${repo#*@}"
      repo="${repo%@*}"
    fi
    echo "Downloading $repo at $revision from Hugging Face"
    huggingface-cli download "$repo" --revision "$revision" --local-dir "$target"
    ;;
  s3://*)
    echo "Downloading $SOURCE"
    aws s3 sync "$SOURCE" "$target" ${AWS_ENDPOINT_URL:+--endpoint-url "$AWS_ENDPOINT_URL"}
    ;;
  *)
    echo "SOURCE must start with hf:// or s3://, got: $SOURCE" >&2
    exit 2
    ;;
esac

rm -rf "$target/.cache"
manifest="$WORKSPACE_SOURCE_PATH/MANIFEST.tsv"
(cd "$target" && find . -type f -print0 | sort -z | xargs -0 -r sha256sum) > "$manifest"
count=$(wc -l < "$manifest")
size=$(find "$target" -type f -printf '%s\n' | awk '{s += $1} END {printf "%d", s}')
chmod -R g+rwX "$target"
echo "Downloaded $count files, $size bytes"
printf '%s' "$size" > "$RESULT_MODEL_SIZE_BYTES_PATH"
printf '%s' "$count" > "$RESULT_FILE_COUNT_PATH"
