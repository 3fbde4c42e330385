"""carecast workforce: template, committee workbook, refused inputs with no traceback."""

import subprocess

import openpyxl

from tests.paths import cli


def _run(*args):
    return subprocess.run([cli(), *args], capture_output=True, text=True, timeout=120)


def test_template_then_workbook(tmp_path):
    staff = tmp_path / "staff.csv"
    assert _run("workforce", "template", "--out", str(staff)).returncode == 0
    assert (tmp_path / "workforce.yaml").exists()
    out = tmp_path / "workforce.xlsx"
    r = _run(
        "workforce",
        "--establishment",
        str(staff),
        "--policy",
        str(tmp_path / "workforce.yaml"),
        "--agency-share",
        "0.11",
        "--out",
        str(out),
    )
    assert r.returncode == 0, r.stderr
    assert "Agency share to 11%" in r.stdout and "−£509,949" in r.stdout
    assert len(openpyxl.load_workbook(out).sheetnames) >= 3


def test_an_unknown_role_is_refused_without_a_traceback(tmp_path):
    staff = tmp_path / "staff.csv"
    staff.write_text("team,role,established_fte,employed_fte,agency_fte\nA,wizard,1,1,0\n")
    r = _run("workforce", "--establishment", str(staff), "--out", str(tmp_path / "x.xlsx"))
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "row 2" in r.stderr and "role" in r.stderr and "wizard" in r.stderr


def test_children_in_care_as_forecast_with_returns(tmp_path):
    from carecast.synth import generate

    generate(tmp_path / "returns", councils=1, years="2019-2024", seed=3)
    staff = tmp_path / "staff.csv"
    assert _run("workforce", "template", "--out", str(staff)).returncode == 0
    r = _run(
        "workforce",
        "--establishment",
        str(staff),
        "--returns",
        str(tmp_path / "returns"),
        "--out",
        str(tmp_path / "w.json"),
    )
    assert r.returncode == 0, r.stderr
    assert "Children in care as forecast (1 year)" in r.stdout and "needed today" in r.stderr
