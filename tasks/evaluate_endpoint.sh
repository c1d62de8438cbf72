#!/usr/bin/env bash
# Run lm-eval or GuideLLM against the served model's OpenAI-compatible endpoint, trusting the
# cluster's CAs (never switching verification off), and keep the tool's report in the workspace.
# Inputs: TOOL (lm-eval | guidellm), TOOL_VERSION, ENDPOINT, MODEL_ID, TOKENIZER, RESULTS_DIR,
# WORKSPACE_SOURCE_PATH; lm-eval: task names as arguments, LIMIT, NUM_FEWSHOT, CONCURRENCY;
# guidellm: PROFILE, MAX_SECONDS, DATA. INFERENCE_TOKEN (else the ServiceAccount token),
# WORKSPACE_CA_BUNDLE_PATH/_BOUND, SERVICE_ACCOUNT_DIR, PIP_INDEX_URL (a mirror, if any).
set -euo pipefail

: "${TOOL:?TOOL is required}" "${ENDPOINT:?ENDPOINT is required}" "${MODEL_ID:?MODEL_ID is required}"
: "${WORKSPACE_SOURCE_PATH:?WORKSPACE_SOURCE_PATH is required}" "${RESULTS_DIR:?RESULTS_DIR is required}"
report="$WORKSPACE_SOURCE_PATH/$RESULTS_DIR/$TOOL"
rm -rf "$report"
mkdir -p "$report"
account="${SERVICE_ACCOUNT_DIR:-/var/run/secrets/kubernetes.io/serviceaccount}"
private=$(mktemp -d)
trap 'rm -rf "$private"' EXIT

# Python HTTP clients read one CA file: the system's CAs plus the cluster's.
trust=("/etc/pki/tls/certs/ca-bundle.crt" "/etc/ssl/certs/ca-certificates.crt" "$account/service-ca.crt")
if [[ -n "${WORKSPACE_CA_BUNDLE_PATH:-}" && "${WORKSPACE_CA_BUNDLE_BOUND:-true}" == "true" ]]; then
  trust+=("$WORKSPACE_CA_BUNDLE_PATH/ca-bundle.crt")
fi
for file in "${trust[@]}"; do
  if [[ -r "$file" ]]; then cat "$file" >> "$private/ca.pem"; fi
done
export SSL_CERT_FILE="$private/ca.pem" REQUESTS_CA_BUNDLE="$private/ca.pem"

token="${INFERENCE_TOKEN:-}"
if [[ -z "$token" && -r "$account/token" ]]; then token=$(cat "$account/token"); fi
export OPENAI_API_KEY="${token:-none}"

case "$TOOL" in
  lm-eval) command=lm_eval package="lm-eval[api]" ;;
  guidellm) command=guidellm package="guidellm" ;;
  *) echo "TOOL must be lm-eval or guidellm, not $TOOL" >&2; exit 2 ;;
esac
if ! command -v "$command" > /dev/null; then
  echo "Installing $package==$TOOL_VERSION"
  python3 -m venv "$private/venv"
  "$private/venv/bin/pip" install --quiet "$package==$TOOL_VERSION"
  PATH="$private/venv/bin:$PATH"
fi

if [[ "$TOOL" == "lm-eval" ]]; then
  if (($# == 0)); then echo "give lm-eval at least one task name" >&2; exit 2; fi
  model_args="model=$MODEL_ID,base_url=$ENDPOINT/v1/completions,num_concurrent=${CONCURRENCY:-1}"
  model_args+=",max_retries=3,tokenized_requests=False${TOKENIZER:+,tokenizer=$TOKENIZER}"
  tasks=$(IFS=,; echo "$*")
  arguments=(--model local-completions --model_args "$model_args" --tasks "$tasks" --output_path "$report")
  if [[ "${LIMIT:-0}" != "0" ]]; then arguments+=(--limit "$LIMIT"); fi
  if [[ -n "${NUM_FEWSHOT:-}" ]]; then arguments+=(--num_fewshot "$NUM_FEWSHOT"); fi
else
  arguments=(benchmark --target "$ENDPOINT" --model "$MODEL_ID" --rate-type "${PROFILE:-sweep}")
  arguments+=(--max-seconds "${MAX_SECONDS:-60}" --data "${DATA:?DATA is required}")
  arguments+=(--output-path "$report/benchmarks.json")
  if [[ -n "${TOKENIZER:-}" ]]; then arguments+=(--processor "$TOKENIZER"); fi
fi
echo "Running $command ${arguments[*]}"
"$command" "${arguments[@]}"
