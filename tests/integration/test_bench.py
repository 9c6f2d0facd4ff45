"""Smoke test of ``python -m bench``: one small size end to end, every figure present and sane."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.integration.conftest import PG_URL, ROOT

MEASUREMENTS = ("copy_from", "per_row_baseline", "import", "export", "copy_to", "json_anchor")
RATIOS = {
    "import_over_copy_from": ("import", "copy_from"),
    "import_over_per_row": ("import", "per_row_baseline"),
    "export_over_copy_to": ("export", "copy_to"),
    "export_over_json_anchor": ("export", "json_anchor"),
}


def test_bench_measures_every_figure_of_a_small_export(tmp_path):
    out = tmp_path / "bench.json"
    proc = subprocess.run(
        [sys.executable, "-m", "bench", "--rows", "2000", "--json", str(out)],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "RELOCATE_TEST_DATABASE_URL": PG_URL},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert "c/a = " in proc.stdout
    assert "peak RSS: importer " in proc.stdout

    figures = json.loads(out.read_text())
    assert figures["cpus"] >= 1
    (run,) = figures["runs"]
    rows = run["rows"]
    assert 1900 <= rows <= 2100
    for name in MEASUREMENTS:
        measured = run[name]
        assert measured["rows"] == rows, name
        assert measured["seconds"] > 0, name
        assert measured["rows_per_s"] == pytest.approx(rows / measured["seconds"]), name
    for name, (top, bottom) in RATIOS.items():
        expected = run[top]["rows_per_s"] / run[bottom]["rows_per_s"]
        assert run["ratios"][name] == pytest.approx(expected), name
        assert run["ratios"][name] > 0, name
    # The raw copies are the physical limits: faster than any importer or exporter.
    assert run["copy_from"]["rows_per_s"] > run["import"]["rows_per_s"]
    assert run["copy_to"]["rows_per_s"] > run["export"]["rows_per_s"]
    assert run["load_average_1m"] >= 0
    assert 0 < run["cli_startup_seconds"] < run["import"]["seconds"]
    assert set(run["peak_rss_mb"]) == {"importer", "exporter", "control", "region"}
    for process, mb in run["peak_rss_mb"].items():
        assert 10 < mb < 2000, process
    for step in ("import", "export"):
        cpu = run["cpu"][step]
        assert set(cpu["cpu_seconds"]) == {"relocate", "control", "region", "postgresql"}, step
        assert cpu["cpu_seconds"]["relocate"] > 0, step
        assert all(seconds >= 0 for seconds in cpu["cpu_seconds"].values()), step
        assert cpu["wall_seconds"] == pytest.approx(run[step]["seconds"]), step
        assert 0 < cpu["utilisation"] <= 1.05, step
        assert f"{step} CPU: relocate " in proc.stdout
    assert "growth" not in figures  # one size: nothing to compare

    table = subprocess.run(
        [sys.executable, "-m", "bench.markdown", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    assert f"| (c) `relocate import global` | {run['import']['rows_per_s']:,.0f} (" in table
    assert f"| c/a: import over COPY FROM | {run['ratios']['import_over_copy_from']:.3f} |" in table
