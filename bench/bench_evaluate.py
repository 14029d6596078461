"""How long evaluate_many takes on 100,000 generated series (target: under 1 s).

The series are GENERATED (seeded random numbers), not real data: 100,000
indicator series over 2015–2026 with half the years missing, a fifth without a
baseline, a mix of floors, ceilings, strict bars and 左右 targets; evaluated for
2023 (before the 2025 target year) and 2025 (the target year).

    .venv/bin/python bench/bench_evaluate.py [--n 100000] [--repeat 5]

Prints the median of the runs for each evaluation year.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from collections import Counter

import numpy as np

from healthplan.evaluate import VERDICT_CODES, evaluate_many


def generate(n: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    years = np.arange(2015, 2027)
    d = rng.choice([1.0, -1.0], n)
    t = np.round(rng.uniform(50, 100, n), 2)
    tol = np.where(rng.random(n) < 0.1, np.round(t * 0.05, 3), 0.0)
    strict = rng.random(n) < 0.1
    b = np.round(t - d * rng.uniform(-5, 25, n), 2)
    b[rng.random(n) < 0.2] = np.nan
    start = np.where(np.isnan(b), t - d * 15, b)
    slope = rng.normal(2, 2, n)
    v = start[:, None] + (d * slope)[:, None] * (years - 2015)[None, :] \
        + rng.normal(0, 1.5, (n, years.size))
    v[rng.random(v.shape) < 0.5] = np.nan
    t[rng.random(n) < 0.03] = np.nan
    return years, t, b, v, d, tol, strict


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    years, t, b, v, d, tol, strict = generate(args.n)
    print(f"evaluate_many on {args.n:,} GENERATED series × {years.size} years "
          f"(python {platform.python_version()}, numpy {np.__version__}, {os.cpu_count()} CPUs)")
    for year in (2023, 2025):
        times = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            codes = evaluate_many(t, b, 2015, 2025, years, v, d, year, tolerances=tol,
                                  strict=strict)
            times.append(time.perf_counter() - t0)
        counts = Counter(VERDICT_CODES[c] for c in codes.tolist())
        print(f"  year {year}: median {statistics.median(times):.3f} s of {args.repeat} runs "
              f"(min {min(times):.3f}, max {max(times):.3f}); generated verdicts: "
              + ", ".join(f"{k} {counts[k]}" for k in VERDICT_CODES if counts[k]))


if __name__ == "__main__":
    main()
