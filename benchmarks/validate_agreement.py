"""How often `modelcar validate` gives Tekton's verdict, file by file, on a corpus of Tekton YAML.

python -m benchmarks.validate_agreement CORPUS VERDICTS [--api-fields alpha] [--list]

VERDICTS is JSON lines, one per document, from Tekton's own admission (its defaulting and
validation code run as the webhook runs it): `{"file": "<path below CORPUS>", "verdict":
"accepted" | "rejected" | "skipped" | "yaml-error", "error": "..."}`; `skipped` marks documents
that are no Tekton resource. A file is rejected when one of its documents is. validate rejects
a file when it finds an error Tekton's webhook would make (origin `tekton`); run-time errors and
policy warnings are not Tekton's verdict, so they do not count. Run by hand: no corpus or
Tekton build ships with this repository (the README says how the published figure was made).
"""

from __future__ import annotations

import argparse
import json
from collections import Counter, defaultdict
from pathlib import Path

from modelcar_dsl.diagnostics.errors import InputFileError
from modelcar_dsl.model.gates import Gates, parse_api_fields, parse_flag
from modelcar_dsl.reading.validate_files import validate_files

REJECTED = ("rejected", "yaml-error")


def tekton_verdicts(verdicts: Path) -> dict[str, bool]:
    """File -> rejected, for the files with at least one Tekton document."""
    documents: dict[str, list[str]] = defaultdict(list)
    for line in verdicts.read_text().splitlines():
        if line.strip():
            record = json.loads(line)
            documents[record["file"]].append(record["verdict"])
    return {
        file: any(verdict in REJECTED for verdict in found)
        for file, found in sorted(documents.items())
        if any(verdict != "skipped" for verdict in found)
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("verdicts", type=Path)
    parser.add_argument("--api-fields", default="beta")
    parser.add_argument("--feature-flag", action="append", default=[])
    parser.add_argument("--list", action="store_true", help="name every file that disagrees")
    options = parser.parse_args()
    gates = Gates(
        api_fields=parse_api_fields(options.api_fields),
        flags=tuple(sorted(parse_flag(text) for text in options.feature_flag)),
    )
    disagreements: list[str] = []
    false_alarms: Counter[str] = Counter()
    agreed = total = rejected_by_tekton = 0
    for file, rejected in tekton_verdicts(options.verdicts).items():
        total += 1
        rejected_by_tekton += rejected
        try:
            report = validate_files([options.corpus / file], gates=gates)
        except InputFileError as error:
            disagreements.append(f"unreadable {file}: {error}")
            continue
        errors = [problem for problem in report.problems if problem.origin == "tekton"]
        if bool(errors) == rejected:
            agreed += 1
            continue
        if errors:
            false_alarms.update(problem.rule for problem in errors)
            disagreements.append(f"false alarm {file}: " + "; ".join(map(str, errors[:3])))
        else:
            disagreements.append(f"missed {file}")
    print(
        f"{agreed}/{total} files ({agreed / max(total, 1):.1%}) given Tekton's verdict "
        f"({rejected_by_tekton} rejected by Tekton); "
        f"{sum(1 for line in disagreements if line.startswith('false'))} false alarms, "
        f"{sum(1 for line in disagreements if line.startswith('missed'))} misses"
    )
    if false_alarms:
        print("false alarms by rule: " + ", ".join(f"{r} {n}" for r, n in false_alarms.items()))
    if options.list:
        print("\n".join(disagreements))


if __name__ == "__main__":
    main()
