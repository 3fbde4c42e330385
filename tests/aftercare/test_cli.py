"""carecast allowances / leavers on synthetic returns: workbooks written, growth, templates."""

import subprocess

import openpyxl
import pytest

from tests.paths import cli


@pytest.fixture(scope="module")
def returns(tmp_path_factory):
    from carecast.synth import generate

    folder = tmp_path_factory.mktemp("returns")
    generate(folder, councils=1, years="2018-2024", seed=3)
    return folder


def _run(*args):
    return subprocess.run([cli(), *args], capture_output=True, text=True, timeout=300)


def test_allowances_write_a_committee_workbook(returns, tmp_path):
    out = tmp_path / "allowances.xlsx"
    r = _run("allowances", str(returns), "--simulations", "100", "--out", str(out))
    assert r.returncode == 0, r.stderr
    book = openpyxl.load_workbook(out)
    assert any("financial" in name.lower() for name in book.sheetnames)
    assert "Allowances by financial year" in r.stdout


def test_leavers_write_a_workbook(returns, tmp_path):
    out = tmp_path / "leavers.json"
    r = _run("leavers", str(returns), "--simulations", "50", "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert out.stat().st_size > 0 and "Leaving care by financial year" in r.stdout


def test_templates_are_written_and_read_back(tmp_path):
    from carecast.aftercare.leavers import leaver_policy
    from carecast.aftercare.policy import load_policy

    for command, loader in (("allowances", load_policy), ("leavers", leaver_policy)):
        out = tmp_path / f"{command}.yaml"
        r = _run(command, "template", "--out", str(out))
        assert r.returncode == 0, r.stderr
        assert loader(out).source == str(out)


def test_a_missing_folder_is_a_plain_error(tmp_path):
    r = _run("allowances", str(tmp_path / "nope"), "--out", str(tmp_path / "x.xlsx"))
    assert r.returncode == 2 and "Traceback" not in r.stderr and "folder" in r.stderr
