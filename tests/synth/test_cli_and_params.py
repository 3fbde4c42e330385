"""``carecast synth`` exit codes and messages, and parameter validation."""

from __future__ import annotations

import sys

import pytest

from carecast.errors import NotFoundError, ParameterError
from carecast.synth import generate, load_params, parse_years


def run_cli(monkeypatch, capsys, *args: str) -> tuple[int, str]:
    from carecast import cli

    monkeypatch.setattr(sys, "argv", ["carecast", *args])
    try:
        cli.main()
        code = 0
    except SystemExit as exc:
        code = exc.code
    cap = capsys.readouterr()
    return code, " ".join((cap.out + cap.err).split())  # Rich wraps long lines


def test_cli_writes_returns(monkeypatch, capsys, tmp_path):
    code, text = run_cli(
        monkeypatch,
        capsys,
        "synth",
        "--councils",
        "Lewisham",
        "--years",
        "2022-2022",
        "--seed",
        "3",
        "--out",
        str(tmp_path / "o"),
    )
    assert code == 0
    assert (tmp_path / "o" / "Lewisham" / "2022" / "episodes.csv").is_file()
    assert "Lewisham" in text


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--years", "2024-2015"], 2, "years run backwards"),
        (["--years", "twenty"], 2, "not a range of collection years"),
        (["--councils", "0"], 2, "at least one council"),
        (["--councils", "Narnia"], 3, "not a council carecast knows"),
        (["--seed", "-1"], 2, "seed"),
    ],
)
def test_cli_bad_arguments(monkeypatch, capsys, tmp_path, args, code, message):
    got, text = run_cli(monkeypatch, capsys, "synth", "--out", str(tmp_path / "o"), *args)
    assert got == code
    assert message in text
    assert "Traceback" not in text
    assert not (tmp_path / "o").exists()


def test_cli_bad_params_file(monkeypatch, capsys, tmp_path):
    bad = tmp_path / "p.yaml"
    bad.write_text("entries:\n  trend: {value: 0.02}\n  bogus: 3\n")
    code, text = run_cli(
        monkeypatch, capsys, "synth", "--out", str(tmp_path / "o"), "--params", str(bad)
    )
    assert code == 2
    assert "entries.bogus" in text and "What to do" in text


def test_params_override_and_validation():
    p = load_params({"entries.trend": 0.03})
    assert p["entries.trend"] == 0.03 and p.overridden == ("entries.trend",)
    with pytest.raises(ParameterError, match="summing to 1"):
        load_params({"routes.rec_at_18": {"E5": 0.5, "E8": 0.4}})
    with pytest.raises(ParameterError, match="unknown parameter"):
        load_params({"entries.nope": 1})
    with pytest.raises(ParameterError, match="group, not a parameter"):
        load_params({"entries": 1})


def test_every_default_parameter_is_described_and_cited():
    from carecast.synth.params import _default_tree, _leaves

    for path, node in _leaves(_default_tree()):
        for key in ("description", "value", "unit", "reference"):
            assert node.get(key) not in (None, ""), f"{path} has no {key}"


def test_years_are_checked():
    assert parse_years("2015-2024") == (2015, 2024)
    assert parse_years("2020") == (2020, 2020)
    with pytest.raises(ParameterError):
        parse_years((2024, 2015))


def test_api_rejects_bad_councils_before_writing(tmp_path):
    with pytest.raises(ParameterError):
        generate(tmp_path / "x", councils=0)
    with pytest.raises(NotFoundError):
        generate(tmp_path / "x", councils=["Narnia"])
    assert not (tmp_path / "x").exists()


def test_tables_with_unknown_bands_or_categories_are_refused():
    with pytest.raises(ParameterError, match="unknown key"):
        load_params({"remand.placement": {"secure": 0.5, "castle": 0.5}})
    with pytest.raises(ParameterError, match="missing key"):
        load_params({"entries.rate_per_10k": {"0": 90.0}})


def test_councils_by_number_text_or_names():
    from carecast.synth.geography import select_councils

    p = load_params()
    assert [c.name for c in select_councils("2", p)] == ["Lewisham", "Southwark"]
    assert [c.name for c in select_councils("E09000023, bromley", p)] == ["Lewisham", "Bromley"]
    with pytest.raises(ParameterError):
        select_councils(" , ", p)


def test_cli_refuses_an_out_path_that_is_a_file(monkeypatch, capsys, tmp_path):
    target = tmp_path / "file.csv"
    target.write_text("x")
    code, text = run_cli(monkeypatch, capsys, "synth", "--out", str(target), "--councils", "1")
    assert code == 2
    assert "is a file, not a folder" in text and "What to do" in text
    assert target.read_text() == "x"


def test_moving_world_options_become_checked_parameters():
    from carecast.synth.commands import moving_world

    over = moving_world(0.1, 0.9, None, "-3,5")
    assert over["entries.trend_range"] == pytest.approx([-0.03, 0.05])
    params = load_params({}, over)
    assert params["entries.shock_sd"] == 0.1 and params["entries.shock_persistence"] == 0.9
    with pytest.raises(ParameterError, match="persistence"):
        load_params({}, moving_world(None, 1.0, None, None))
    with pytest.raises(ParameterError, match="lowest first"):
        load_params({}, moving_world(None, None, None, "5,-3"))


def test_shared_entry_shock_moves_councils_together():
    import numpy as np

    from carecast.synth.careers import entry_shock_path

    path = entry_shock_path(np.random.default_rng(1), 0.2, 0.9, (2000,))
    assert path.mean() == pytest.approx(1.0, abs=0.05)
    logs = np.log(path)
    assert np.corrcoef(logs[:-1], logs[1:])[0, 1] == pytest.approx(0.9, abs=0.05)
    assert (entry_shock_path(np.random.default_rng(1), 0.0, 0.9, (5,)) == 1).all()
