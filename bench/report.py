"""How a benchmark hands its figures to ``bench/run_all.py``: one ``BENCH {json}`` line per figure on stdout.

    from report import figure   # bench/ is on sys.path when a bench script runs
    figure("reload, save to new code (median)", 0.16, "s", baseline=0.9, baseline_name="cold start",
           target="<= 0.2 s", holds=0.16 <= 0.2)

A script may print anything else too; run_all only reads these lines (and shows a script without any as
"no figures").
"""

from __future__ import annotations

import json

MARK = "BENCH "


def figure(
    name: str,
    value: float,
    unit: str,
    *,
    target: str = "",
    holds: bool | None = None,
    baseline: float | None = None,
    baseline_name: str = "",
    ratio: float | None = None,
) -> None:
    """Report one figure. ``ratio`` defaults to value / baseline when there is a baseline; ``holds`` None: a
    figure without a target (shown for information)."""
    if ratio is None and baseline:
        ratio = value / baseline
    line = {
        "name": name,
        "value": value,
        "unit": unit,
        "baseline": baseline,
        "baseline_name": baseline_name,
        "ratio": ratio,
        "target": target,
        "holds": holds,
    }
    print(MARK + json.dumps(line), flush=True)
