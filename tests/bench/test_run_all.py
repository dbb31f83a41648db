"""bench/run_all.py: one table from every benchmark, whatever state each one is in."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.subprocess

BENCH = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH))

import run_all  # noqa: E402

REPORTS = f"""
import sys
sys.path.insert(0, {str(BENCH)!r})
from report import figure
print("some progress output")
figure("reload median", 0.15, "s", baseline=3.0, baseline_name="cold start", target="<= 0.2 s", holds=True)
figure("pickup", 150, "ms")
"""


@pytest.fixture
def bench_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "reports.py").write_text(REPORTS)
    (tmp_path / "fails.py").write_text("import sys\nprint('boom')\nsys.exit(3)\n")
    (tmp_path / "silent.py").write_text("print('done, 42 msg/s')\n")
    monkeypatch.setattr(run_all, "BENCH_DIR", tmp_path)
    return tmp_path


def test_each_benchmark_gets_rows_whether_it_reports_fails_is_silent_or_missing(
    bench_dir: Path, tmp_path: Path
) -> None:
    benches = [run_all.Bench(name) for name in ("reports.py", "fails.py", "silent.py", "missing.py")]
    logs = tmp_path / "logs"
    logs.mkdir()

    rows = [row for bench in benches for row in run_all.run(bench, quick=True, logs=logs)]

    assert [(r.bench, r.name, r.value, r.baseline, r.ratio, r.target, r.holds) for r in rows] == [
        ("reports.py", "reload median", "0.15 s", "3 s (cold start)", "0.05x", "<= 0.2 s", "yes"),
        ("reports.py", "pickup", "150 ms", "", "", "", "-"),
        ("fails.py", "(failed with exit code 3: see its log)", "", "", "", "", ""),
        ("silent.py", "(no figures reported; last line: done, 42 msg/s)", "", "", "", "", ""),
        ("missing.py", "(script missing: skipped)", "", "", "", "", ""),
    ]
    assert "boom" in (logs / "fails.log").read_text()


def test_the_table_is_markdown_and_escapes_pipes_in_cells() -> None:
    table = run_all.table([run_all.Row("a.py", "x | y", "1 s", holds="**no**")])

    assert table.splitlines()[2] == "| a.py | x \\| y | 1 s |  |  |  | **no** |"


def test_every_listed_benchmark_exists() -> None:
    assert [b.script for b in run_all.BENCHES if not (BENCH / b.script).exists()] == []
