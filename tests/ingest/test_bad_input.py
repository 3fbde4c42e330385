"""Bad input through the CLI: a clear message naming file, row, column and the fix; exit code 2 for
unusable input, never a traceback; usable-but-flawed input loads (exit 0) with the flaws reported."""

from __future__ import annotations

import json

from .ingest_cases import EPISODE_COLS, ep, hd, write_csv, write_return


def assert_unusable(result, *fragments):
    code, out, err = result
    text = " ".join((out + err).split())
    assert code == 2, (code, out, err)
    assert "Traceback" not in out + err
    assert "What to do:" in text
    flat = "".join(text.split())  # the console may wrap long paths mid-word
    for f in fragments:
        assert "".join(f.split()) in flat, (f, text)


def test_missing_folder(run_cli, tmp_path):
    assert_unusable(run_cli("validate", tmp_path / "nope"), "nope", "does not exist")


def test_year_folder_without_episodes_file(run_cli, tmp_path):
    (tmp_path / "Lewisham" / "2019").mkdir(parents=True)
    write_csv(tmp_path / "Lewisham" / "2019" / "header.csv", [hd("1")])
    assert_unusable(run_cli("validate", tmp_path), "Lewisham/2019/episodes.csv", "no episodes file")


def test_empty_file(run_cli, tmp_path):
    folder = write_return(tmp_path, "Lewisham", 2019, [ep("1", "01/05/2018")])
    (folder / "episodes.csv").write_bytes(b"")
    assert_unusable(run_cli("validate", tmp_path), "episodes.csv", "empty")


def test_binary_file(run_cli, tmp_path):
    folder = write_return(tmp_path, "Lewisham", 2019, [ep("1", "01/05/2018")])
    (folder / "episodes.csv").write_bytes(b"PK\x03\x04\x00\x00binary\x00junk" * 20)
    assert_unusable(run_cli("validate", tmp_path), "episodes.csv", "binary")


def test_truncated_file(run_cli, tmp_path):
    folder = write_return(
        tmp_path, "Lewisham", 2019, [ep("1", "01/05/2018"), ep("2", "01/05/2018")]
    )
    data = (folder / "episodes.csv").read_bytes()
    (folder / "episodes.csv").write_bytes(data[: len(data) - 20])
    assert_unusable(run_cli("validate", tmp_path), "episodes.csv", "row 3", "truncated")


def test_unclosed_quote(run_cli, tmp_path):
    folder = write_return(tmp_path, "Lewisham", 2019, [ep("1", "01/05/2018")])
    with open(folder / "episodes.csv", "a") as fh:
        fh.write('2,"01/05/2018,S,C2,N1,U4,PR1,,,,,,\n3,01/05/2018,S,C2,N1,U4,PR1,,,,,,\n')
    assert_unusable(run_cli("validate", tmp_path), "episodes.csv", "well-formed")


def test_missing_required_column(run_cli, tmp_path):
    folder = tmp_path / "Lewisham" / "2019"
    cols = [c for c in EPISODE_COLS if c != "DECOM"]
    write_csv(folder / "episodes.csv", [ep("1", "01/05/2018")], cols)
    assert_unusable(
        run_cli("validate", tmp_path), "episodes.csv", "row 1", "column DECOM", "no DECOM column"
    )


def test_mixed_councils_in_one_file(run_cli, tmp_path):
    folder = tmp_path / "Lewisham" / "2019"
    rows = [
        {**ep("1", "01/05/2018"), "LA": "Lewisham"},
        {**ep("2", "01/05/2018"), "LA": "Southwark"},
    ]
    write_csv(folder / "episodes.csv", rows, ["LA", *EPISODE_COLS])
    assert_unusable(
        run_cli("validate", tmp_path), "episodes.csv", "row 3", "column LA", "mixes councils"
    )


def test_unknown_council_folder(run_cli, tmp_path):
    write_return(tmp_path, "Atlantis", 2019, [ep("1", "01/05/2018")])
    assert_unusable(run_cli("validate", tmp_path), "Atlantis", "--council")


def test_malformed_xml(run_cli, tmp_path):
    folder = tmp_path / "Lewisham" / "2019"
    folder.mkdir(parents=True)
    (folder / "return.xml").write_text("<Message><Child><CHILD>1</CHILD><Episode><DECOM>01/05")
    assert_unusable(run_cli("validate", tmp_path), "return.xml", "malformed or truncated")


def test_bad_output_extension_is_a_parameter_error(run_cli, tmp_path):
    write_return(tmp_path, "Lewisham", 2019, [ep("1", "01/05/2018")])
    assert_unusable(
        run_cli("validate", tmp_path, "--cleaned-out", tmp_path / "x.txt"), ".csv or .parquet"
    )


def test_flawed_but_usable_input_loads_with_flaws_reported(run_cli, tmp_path):
    write_return(
        tmp_path,
        "Lewisham",
        2019,
        [
            ep("1", "01/05/2018", place="ZZ"),  # unknown code
            ep("2", "41/02/2018"),  # impossible date
            ep("3", "01/05/2018", "01/04/2018"),  # ends before it starts
            ep("4", "01/05/2018"),  # no header row
        ],
        header=[hd("1"), hd("2"), hd("3")],
    )
    out_json = tmp_path / "q.json"
    code, out, err = run_cli("validate", tmp_path, "--out", out_json)
    assert code == 0, err
    assert "Lewisham" in out and "Usable" in out
    doc = json.loads(out_json.read_text())
    text = json.dumps(doc)
    for rule in ("UNKNOWN_CODE", "BAD_DECOM", "DEC_BEFORE_DECOM", "NO_HEADER"):
        assert rule in text


def test_manifest_pointing_at_missing_file(run_cli, tmp_path):
    (tmp_path / "manifest.yaml").write_text(
        "returns:\n  - {council: Lewisham, year: 2019, episodes: gone.csv}\n"
    )
    assert_unusable(run_cli("validate", tmp_path), "gone.csv", "does not exist")


def test_key_file_without_pseudonymise(run_cli, tmp_path):
    write_return(tmp_path, "Lewisham", 2019, [ep("1", "01/05/2018")])
    assert_unusable(run_cli("validate", tmp_path, "--key-file", tmp_path / "k"), "--pseudonymise")


def test_nothing_usable_is_exit_2_but_the_report_is_written(run_cli, tmp_path):
    write_return(tmp_path / "in", "Lewisham", 2019, [ep("1", "01/05/2018", "01/04/2018")])
    result = run_cli("validate", tmp_path / "in", "--out", tmp_path / "q.html")
    assert_unusable(result, "no usable episodes", "DEC_BEFORE_DECOM")
    assert "DEC_BEFORE_DECOM" in (tmp_path / "q.html").read_text()


def test_unknown_council_passed_is_not_told_to_pass_council(run_cli, tmp_path):
    folder = write_return(tmp_path, "Lewisham", 2019, [ep("1", "01/05/2018")])
    code, out, err = run_cli("validate", folder.parent, "--council", "Lewishamm")
    text = " ".join((out + err).split())
    assert code == 2 and "pass --council" not in text
    assert "check the spelling of --council" in text and "'Lewisham'" in text


def test_unknown_council_folder_names_the_nearest(run_cli, tmp_path):
    write_return(tmp_path, "Southwarke", 2019, [ep("1", "01/05/2018")])
    code, out, err = run_cli("validate", tmp_path)
    text = " ".join((out + err).split())
    assert code == 2 and "'Southwark'" in text
