#!/usr/bin/env bash
# Run lm-eval or GuideLLM against the served model's OpenAI-compatible endpoint, trusting the
# cluster's CAs (never switching verification off), and keep the tool's report in the workspace.
# Inputs: TOOL (lm-eval | guidellm), TOOL_VERSION, ENDPOINT, MODEL_ID, TOKENIZER, RESULTS_DIR
# (inside the workspace), WORKSPACE_SOURCE_PATH; lm-eval: task names as arguments, LIMIT,
# NUM_FEWSHOT, CONCURRENCY; guidellm: PROFILE, MAX_SECONDS, DATA. INFERENCE_TOKEN (else the
# ServiceAccount token), WORKSPACE_CA_BUNDLE_PATH/_BOUND, SERVICE_ACCOUNT_DIR, PIP_INDEX_URL.
# Values reach the tools as separate arguments; those joined into lm-eval's comma-separated
# --model_args and --tasks may hold no ',' or '=', so none can add an option of its own.
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib/inputs.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/inputs.sh"
# shellcheck source=SCRIPTDIR/lib/trust.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/trust.sh"

require_choice TOOL lm-eval guidellm
require_match TOOL_VERSION '[0-9]+(\.[0-9]+){1,3}' "a release number"
require_match ENDPOINT 'https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[A-Za-z0-9_.~/-]*)?' \
  "an http(s) URL"
require_secure_url ENDPOINT
require_match MODEL_ID '[A-Za-z0-9][A-Za-z0-9_./:@-]{0,255}' "a model id (no ',' or '=')"
require_match TOKENIZER '|[A-Za-z0-9][A-Za-z0-9_.-]{0,95}(/[A-Za-z0-9][A-Za-z0-9_.-]{0,95})?' \
  "a Hugging Face repository (org/name)"
report_root=$(confined_path RESULTS_DIR)
if [[ $TOOL == lm-eval ]]; then
  if (($# == 0)); then input_error "give lm-eval at least one task name"; fi
  for task in "$@"; do
    if [[ ! $task =~ ^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$ || $task =~ \.ya?ml$ ]]; then
      input_error "tasks ${task@Q} is not an lm-eval task name (letters, digits, '_', '.', '-'; no file names)"
    fi
  done
  LIMIT=${LIMIT:-0}
  require_count LIMIT 0 999999999
  if [[ -n ${NUM_FEWSHOT:-} ]]; then require_count NUM_FEWSHOT 0 100; fi
  CONCURRENCY=${CONCURRENCY:-1}
  require_count CONCURRENCY 1 256
else
  PROFILE=${PROFILE:-sweep}
  require_choice PROFILE sweep synchronous throughput concurrent constant poisson
  MAX_SECONDS=${MAX_SECONDS:-60}
  require_count MAX_SECONDS 1 86400
  require_match DATA '[a-z_]{1,64}=[0-9]{1,9}(,[a-z_]{1,64}=[0-9]{1,9}){0,15}' \
    "a synthetic request shape, like prompt_tokens=512,output_tokens=256"
fi

# Every input is checked; only now is the previous report removed (a link there, as a link).
report="$report_root/$TOOL"
rm -rf "$report"
mkdir -p "$report"
private=$(mktemp -d)
trap 'rm -rf "$private"' EXIT
trust_ca_file "$private/ca.pem"
export SSL_CERT_FILE="$private/ca.pem" REQUESTS_CA_BUNDLE="$private/ca.pem"

token="${INFERENCE_TOKEN:-}"
if [[ -z "$token" && -r "$SERVICE_ACCOUNT_DIR/token" ]]; then token=$(cat "$SERVICE_ACCOUNT_DIR/token"); fi
export OPENAI_API_KEY="${token:-none}"

case "$TOOL" in
  lm-eval) command=lm_eval package="lm-eval[api]" ;;
  guidellm) command=guidellm package="guidellm" ;;
esac
if ! command -v "$command" > /dev/null; then
  echo "Installing $package==$TOOL_VERSION"
  python3 -m venv "$private/venv"
  "$private/venv/bin/pip" install --quiet "$package==$TOOL_VERSION"
  PATH="$private/venv/bin:$PATH"
fi

if [[ "$TOOL" == "lm-eval" ]]; then
  model_args="model=$MODEL_ID,base_url=$ENDPOINT/v1/completions,num_concurrent=$CONCURRENCY"
  model_args+=",max_retries=3,tokenized_requests=False${TOKENIZER:+,tokenizer=$TOKENIZER}"
  tasks=$(IFS=,; echo "$*")
  arguments=(--model local-completions --model_args "$model_args" --tasks "$tasks" --output_path "$report")
  if [[ "$LIMIT" != "0" ]]; then arguments+=(--limit "$LIMIT"); fi
  if [[ -n "${NUM_FEWSHOT:-}" ]]; then arguments+=(--num_fewshot "$NUM_FEWSHOT"); fi
else
  arguments=(benchmark --target "$ENDPOINT" --model "$MODEL_ID" --rate-type "$PROFILE")
  arguments+=(--max-seconds "$MAX_SECONDS" --data "$DATA")
  arguments+=(--output-path "$report/benchmarks.json")
  if [[ -n "${TOKENIZER:-}" ]]; then arguments+=(--processor "$TOKENIZER"); fi
fi
echo "Running $command ${arguments[*]}"
"$command" "${arguments[@]}"
