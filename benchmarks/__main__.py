"""`python -m benchmarks`: run every benchmark and print one table of figures and ratios.

python -m benchmarks                 the full run (synthetic 100..10,000 tasks, 2 GiB build
                                     and push)
python -m benchmarks --quick         smaller sizes, for a smoke run
python -m benchmarks --no-build      compile and validate benchmarks only
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

from benchmarks.build_throughput import build_throughput
from benchmarks.compile_speed import synthetic_compile
from benchmarks.layer_push import layer_push
from benchmarks.local_run_e2e import local_run_e2e
from benchmarks.local_run_overhead import local_run_overhead
from benchmarks.report import (
    build_table,
    e2e_table,
    overhead_table,
    push_table,
    startup_table,
    synthetic_table,
)
from benchmarks.startup import start_up
from benchmarks.validate_limits import validate_limits, validate_table

GIB = 1 << 30


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument(
        "--quick", action="store_true", help="N up to 1,000, a 256 MiB build and a 64 MiB local run"
    )
    parser.add_argument("--no-build", action="store_true", help="skip build and push")
    parser.add_argument("--repeats", type=int, default=5, help="best of this many runs")
    parser.add_argument(
        "--work", type=Path, help="scratch directory (default: a new one under /var/tmp)"
    )
    options = parser.parse_args()
    sizes = (100, 1_000) if options.quick else (100, 1_000, 5_000, 10_000)
    model_bytes = GIB // 4 if options.quick else 2 * GIB
    work = Path(tempfile.mkdtemp(prefix="modelcar-bench-", dir=options.work or "/var/tmp"))
    try:
        print(startup_table(start_up(work, options.repeats)))
        plain = [synthetic_compile(work, n, options.repeats) for n in sizes]
        print(synthetic_table(plain, "Synthetic pipeline, compile + validate (whole process)"))
        shared = [synthetic_compile(work, n, options.repeats, True) for n in sizes]
        title = "The same, every task also writing one workspace (all serialized)"
        print(synthetic_table(shared, title))
        print(validate_table(validate_limits(work, 1 if options.quick else 3)))
        tasks = 20 if options.quick else 100
        print(overhead_table(local_run_overhead(work / "run-overhead", tasks, options.repeats)))
        if not options.no_build:
            print(build_table(build_throughput(work / "build", model_bytes)))
            print(push_table(layer_push(work / "push", model_bytes)))
            e2e_bytes, runs = (64 << 20, 1) if options.quick else (2 * GIB, 2)
            print(e2e_table(local_run_e2e(work / "run-e2e", e2e_bytes, runs)))
    finally:
        shutil.rmtree(work, ignore_errors=True)


main()
