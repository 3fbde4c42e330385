"""`carecast demo` runs the main job end to end and writes reports a user can open."""

import subprocess
import sys

import openpyxl
import pytest


@pytest.mark.slow
def test_demo_writes_every_report(tmp_path):
    out = tmp_path / "demo"
    res = subprocess.run(
        [
            sys.executable,
            "-m",
            "carecast.cli",
            "demo",
            "--out",
            str(out),
            "--councils",
            "2",
            "--years",
            "2020-2024",
            "--simulations",
            "50",
            "--seed",
            "3",
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert res.returncode == 0, res.stderr + res.stdout
    assert "index.html" in res.stdout
    index = (out / "index.html").read_text()
    for name in (
        "data-quality.html",
        "snapshot.html",
        "forecast.html",
        "forecast.xlsx",
        "benchmark.html",
    ):
        assert (out / "reports" / name).stat().st_size > 1000
        assert f"reports/{name}" in index
    html = (out / "reports" / "forecast.html").read_text()
    assert "Plotly" in html and '<script src="http' not in html
    wb = openpyxl.load_workbook(out / "reports" / "forecast.xlsx", read_only=True)
    assert "About" in wb.sheetnames and len(wb.sheetnames) > 3
