"""Small hand-made inputs for the commissioning tests."""

from __future__ import annotations

import pytest

SYNTH_PROVIDERS = """urn,name,type,owner,host_council,host_ons_code,postcode,places,ofsted_rating,ofsted_date,registration,age_range,weekly_price
SC100001,Oak House (Lewisham),childrens_home,private,Lewisham,E09000023,SE6 4RU,4,Good,2025-03-01,SEMH;CSE;CCE,10-17,4100
SC100002,Willow Fostering (Kent),ifa,private,Kent,E10000016,ME15 6AA,20,Outstanding,2024-06-10,ASD/LD;SEMH,0-17,871
SC100003,Cedar Supported Living (Croydon),supported,voluntary,Croydon,E09000008,CR0 1AA,6,Requires improvement,2023-01-05,Substance misuse,16-17,856
SC100004,Harbour Secure Centre (Essex),secure,local_authority,Essex,E10000012,CM1 1AA,8,Inadequate,2022-11-30,SEMH;Sexually harmful behaviour,10-17,5468
SC100005,Meadow House (Kent),childrens_home,private,Kent,E10000016,ZZ9 9ZZ,3,Good,2025-01-01,SEMH;Parent and child,8-17,3900
"""

SYNTH_POSTCODES = """pcds,oslaua,lat,long
SE6 4RU,E09000023,51.4370,-0.0180
ME15 6AA,E10000016,51.2700,0.5220
CR0 1AA,E09000008,51.3720,-0.1000
CM1 1AA,E10000012,51.7360,0.4690
"""


@pytest.fixture
def synth_dir(tmp_path):
    """A folder shaped like the synthetic generator's output (providers.csv + postcodes.csv)."""
    (tmp_path / "providers.csv").write_text(SYNTH_PROVIDERS)
    (tmp_path / "postcodes.csv").write_text(SYNTH_POSTCODES)
    return tmp_path


@pytest.fixture
def cli(capsys, monkeypatch):
    """Run the carecast CLI in-process (same error mapping as the real entry point): (exit code, stdout, stderr)."""
    from carecast.cli import main

    def run(*args):
        monkeypatch.setattr("sys.argv", ["carecast", *map(str, args)])
        monkeypatch.setenv("COLUMNS", "200")
        code = 0
        try:
            main()
        except SystemExit as exc:
            code = exc.code or 0
        out = capsys.readouterr()
        return code, " ".join(out.out.split()), " ".join(out.err.split())

    return run
