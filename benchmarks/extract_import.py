"""Benchmark: import a 1,000,000-row extract (about 100 MB of CSV).

Times parse + validate + pseudonymise (HMAC-SHA256) + write the frame (Parquet, SHA-256) and
the encrypted reference vault + the frame summary: the whole of ``services.extract_import``
except its few database writes. Each run is a fresh process, so peak RSS is the pipeline's
own. The baseline, in the same run, is plain pandas: ``read_csv``, ``hmac`` per row,
``to_parquet``. Also times a stratified draw (70 cases with reserves) from the frame.

    .venv/bin/python benchmarks/extract_import.py [--rows 1000000] [--runs 3]

Prints JSON. Targets: pipeline <= 3 s, ratio to baseline <= 0.4, peak RSS <= 1.5 GB, draw
<= 1 s. Numbers depend on the machine and on what else runs on it (say so with them).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

COUNCILS = ["E06000034", "E10000012", "E06000033"]
TARGETS = {"seconds": 3.0, "ratio": 0.4, "peak_rss_mb": 1536, "draw_seconds": 1.0}


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu_seconds() -> float:
    """User + system CPU of this process and its reaped children (the forked HMAC child)."""
    own, children = (
        resource.getrusage(w) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
    )
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def child_pipeline(path: Path, out: Path) -> dict:
    import datetime as dt
    import hashlib

    from cpinspect.casefiles import frames, profiles, readers, validation

    profile = profiles.get_profile("canonical")
    stages = {}
    cpu_start = _cpu_seconds()
    start = last = time.perf_counter()

    def mark(name):
        nonlocal last
        now = time.perf_counter()
        stages[name] = round(now - last, 3)
        last = now

    data = path.read_bytes()
    file_sha256 = hashlib.sha256(data).hexdigest()  # provenance, as the service records
    mark("read_file_sha256")
    loaded = readers.read_extract(data, profile)
    del data
    mark("parse")
    checked = validation.check(
        loaded.table, profile, council_codes=set(COUNCILS), today=dt.date(2026, 10, 1)
    )
    del loaded
    mark("validate")
    frame, refs = frames.build(checked.accepted, inspection_key=b"i" * 32)
    mark("pseudonymise")
    sha = frames.write(frame, out / "frame.parquet")
    mark("write_frame")
    frames.write_vault(refs, out / "frame.vault", key=b"e" * 32, context=b"bench")
    mark("write_vault")
    summary = frames.summary(frame)
    mark("summary")
    seconds = time.perf_counter() - start
    for thread in threading.enumerate():  # the HMAC child is reaped in the background:
        if thread is not threading.current_thread():  # wait for that, to count its CPU
            thread.join(5)
    return {
        "seconds": round(seconds, 3),
        "cpu_seconds": round(_cpu_seconds() - cpu_start, 3),
        "stages": stages,
        "rows": checked.rows_read,
        "accepted": summary["total"],
        "frame_sha256": sha,
        "file_sha256": file_sha256,
        "peak_rss_mb": round(_rss_mb(), 1),
    }


def child_baseline(path: Path, out: Path) -> dict:
    import hashlib
    import hmac

    import pandas as pd

    cpu_start = _cpu_seconds()
    start = time.perf_counter()
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    read = time.perf_counter()
    key = b"i" * 32
    df["pseudonym"] = [
        hmac.new(key, ref.encode(), hashlib.sha256).hexdigest() for ref in df["case_ref"]
    ]
    hashed = time.perf_counter()
    df.drop(columns=["case_ref"]).to_parquet(out / "baseline.parquet")
    end = time.perf_counter()
    return {
        "seconds": round(end - start, 3),
        "cpu_seconds": round(_cpu_seconds() - cpu_start, 3),
        "stages": {  # for the report only; the baseline is timed as a whole, as before
            "read_csv": round(read - start, 3),
            "hmac": round(hashed - read, 3),
            "to_parquet": round(end - hashed, 3),
        },
        "peak_rss_mb": round(_rss_mb(), 1),
    }


def child_draw(out: Path) -> dict:
    from cpinspect.casefiles import frames, sampling

    start = time.perf_counter()
    frame = frames.read(out / "frame.parquet")
    result = sampling.draw(frame, sampling.Design(), seed=2026)
    return {
        "seconds": round(time.perf_counter() - start, 3),
        "sample": result.total,
        "reserves": sum(result.reserves.values()),
        "peak_rss_mb": round(_rss_mb(), 1),
    }


def run_child(kind: str, path: Path, out: Path) -> dict:
    command = [sys.executable, __file__, "--child", kind, "--file", str(path), "--out", str(out)]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--child", choices=["pipeline", "baseline", "draw"])
    parser.add_argument("--file")
    parser.add_argument("--out")
    args = parser.parse_args()
    if args.child:
        handler = {
            "pipeline": lambda: child_pipeline(Path(args.file), Path(args.out)),
            "baseline": lambda: child_baseline(Path(args.file), Path(args.out)),
            "draw": lambda: child_draw(Path(args.out)),
        }[args.child]
        print(json.dumps(handler()))
        return

    import polars as pl

    from cpinspect.casefiles import generator

    with tempfile.TemporaryDirectory(prefix="cpinspect-bench-") as folder:
        folder = Path(folder)
        path = folder / "extract.csv"
        extract = generator.generate(rows=args.rows, seed=1, councils=COUNCILS)
        extract = extract.with_columns(pl.lit("Child protection unit, North").alias("team"))
        extract.write_csv(path)
        del extract
        load_before = os.getloadavg()
        pipeline = [run_child("pipeline", path, folder) for _ in range(args.runs)]
        baseline = [run_child("baseline", path, folder) for _ in range(args.runs)]
        draws = [run_child("draw", path, folder) for _ in range(args.runs)]
        seconds = statistics.median(r["seconds"] for r in pipeline)
        base_seconds = statistics.median(r["seconds"] for r in baseline)
        draw_seconds = statistics.median(r["seconds"] for r in draws)
        peak = max(r["peak_rss_mb"] for r in pipeline)
        result = {
            "benchmark": "extract_import",
            "rows": args.rows,
            "file_mb": round(path.stat().st_size / 1e6, 1),
            "runs": args.runs,
            "median_seconds": seconds,
            "rows_per_second": round(args.rows / seconds),
            "peak_rss_mb": peak,
            "cpu_seconds_median": statistics.median(r["cpu_seconds"] for r in pipeline),
            "stages_median": {
                k: statistics.median(r["stages"][k] for r in pipeline)
                for k in pipeline[0]["stages"]
            },
            "baseline_pandas_median_seconds": base_seconds,
            "baseline_cpu_seconds_median": statistics.median(r["cpu_seconds"] for r in baseline),
            "baseline_stages_median": {
                k: statistics.median(r["stages"][k] for r in baseline)
                for k in baseline[0]["stages"]
            },
            "baseline_peak_rss_mb": max(r["peak_rss_mb"] for r in baseline),
            "ratio_to_baseline": round(seconds / base_seconds, 3),
            "draw_median_seconds": draw_seconds,
            "draw": {k: draws[0][k] for k in ("sample", "reserves")},
            "all_runs_seconds": [r["seconds"] for r in pipeline],
            "baseline_runs_seconds": [r["seconds"] for r in baseline],
            "targets": TARGETS,
            "meets_targets": {
                "seconds": seconds <= TARGETS["seconds"],
                "ratio": seconds / base_seconds <= TARGETS["ratio"],
                "peak_rss_mb": peak <= TARGETS["peak_rss_mb"],
                "draw_seconds": draw_seconds <= TARGETS["draw_seconds"],
            },
            "machine": {
                "cpus": os.cpu_count(),
                "load_average_before": [round(x, 2) for x in load_before],
                "load_average_after": [round(x, 2) for x in os.getloadavg()],
                "python": sys.version.split()[0],
                "polars": pl.__version__,
            },
        }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
