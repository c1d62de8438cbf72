"""Stand-ins for lm-eval and GuideLLM at their command-line boundary: they need model weights and
data sets from the Hub, which tests may not fetch. Each records the command line the script
builds, the token and the CA file it was given, and writes a report in the tool's documented
format, which the real summarize step then reads."""

from __future__ import annotations

from pathlib import Path

STAND_IN = """#!/usr/bin/env bash
set -euo pipefail
printf '%s\\n' "$@" > "$RECORD/args"
printf '%s' "$OPENAI_API_KEY" > "$RECORD/token"
cp "$SSL_CERT_FILE" "$RECORD/ca.pem"
previous=""
for argument in "$@"; do
  if [[ "$previous" == --output_path || "$previous" == --output-path ]]; then out="$argument"; fi
  previous="$argument"
done
if [[ ${out:-} != /* ]]; then echo "stand-in: no absolute output path given" >&2; exit 2; fi
"""


def stand_in(bin_dir: Path, name: str, writes: str) -> None:
    bin_dir.mkdir(exist_ok=True)
    path = bin_dir / name
    path.write_text(STAND_IN + writes)
    path.chmod(0o755)


LM_EVAL_REPORT = {
    "results": {
        "arc_easy": {"alias": "arc_easy", "acc,none": 0.81, "acc_stderr,none": 0.01},
        "gsm8k": {"exact_match,strict-match": 0.52, "exact_match_stderr,strict-match": 0.02},
    }
}
GUIDELLM_REPORT = {
    "benchmarks": [
        {
            "metrics": {
                "time_to_first_token_ms": {
                    "successful": {"mean": 120.0, "median": 110.0, "percentiles": {"p95": 210.0}}
                },
                "requests_per_second": {"successful": {"mean": 3.5}},
            }
        }
    ]
}
