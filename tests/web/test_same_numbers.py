"""The CLI and the web app run the same service: the same data, options and seed give the same figures."""

import json
import time

from carecast.store import session_scope
from carecast.web.datastore import save_dataset

from .conftest import COUNCIL_A, make_tables

OPTIONS = {"horizon_years": 2, "simulations": 60, "trend": "fitted"}  # seed, step, window, UASC: the defaults


def _finished(client, job: str) -> None:
    deadline = time.monotonic() + 60
    while (state := client.get(f"/api/jobs/{job}").json())["status"] not in ("done", "failed"):
        assert time.monotonic() < deadline, "the forecast did not finish"
        time.sleep(0.2)
    assert state["status"] == "done", state


def test_cli_and_web_forecasts_of_the_same_data_agree(app, settings, client_for, carecast, tmp_path):
    episodes, children = make_tables(COUNCIL_A, 120, "LEW")  # starts over five years: a 3-year window fits
    with session_scope(settings.database_url) as db:
        save_dataset(db, settings.data_dir, council=COUNCIL_A, uploaded_by="fixture", content_hash="same-numbers",
                     episodes=episodes, children=children, quality={})
    episodes.write_parquet(tmp_path / "episodes.parquet")
    out = tmp_path / "cli.json"
    res = carecast("forecast", tmp_path / "episodes.parquet", "--horizon-years", 2, "--simulations", 60,
                   "--trend", "fitted", "--out", out)
    assert res.returncode == 0, res.stderr
    cli = json.loads(out.read_text())

    client = client_for("a@lewisham.test")
    token = client.get("/forecast").text.split('name="csrf_token" value="')[1].split('"')[0]
    job = client.post("/api/forecast", json=OPTIONS, headers={"X-CSRF-Token": token}).json()["job"]
    _finished(client, job)
    download = client.get(f"/downloads/run/{job}.json")
    assert download.status_code == 200, download.text[download.text.find("error-summary"):][:800]
    web = download.json()

    figures = set(cli) - {"metadata"}
    assert figures and figures == set(web) - {"metadata"}
    for name in sorted(figures):
        assert web[name] == cli[name], name
    assert cli["metadata"]["seed"] == web["metadata"]["seed"] == 1  # the one default seed, recorded
