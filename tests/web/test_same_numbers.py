"""The CLI and the web app run the same service: the same data, options and seed give the same figures."""

import json
import time

from carecast.store import session_scope
from carecast.web.datastore import save_dataset

from .conftest import COUNCIL_A, make_tables

OPTIONS = {
    "horizon_years": 2,
    "simulations": 60,
    "trend": "fitted",
}  # seed, step, window, UASC: the defaults


def _finished(client, job: str) -> None:
    deadline = time.monotonic() + 60
    while (state := client.get(f"/api/jobs/{job}").json())["status"] not in ("done", "failed"):
        assert time.monotonic() < deadline, "the forecast did not finish"
        time.sleep(0.2)
    assert state["status"] == "done", state


def test_cli_and_web_forecasts_of_the_same_data_agree(
    app, settings, client_for, carecast, tmp_path
):
    episodes, children = make_tables(
        COUNCIL_A, 120, "LEW"
    )  # starts over five years: a 3-year window fits
    with session_scope(settings.database_url) as db:
        save_dataset(
            db,
            settings.data_dir,
            council=COUNCIL_A,
            uploaded_by="fixture",
            content_hash="same-numbers",
            episodes=episodes,
            children=children,
            quality={},
        )
    episodes.write_parquet(tmp_path / "episodes.parquet")
    out = tmp_path / "cli.json"
    res = carecast(
        "forecast",
        tmp_path / "episodes.parquet",
        "--horizon-years",
        2,
        "--simulations",
        60,
        "--trend",
        "fitted",
        "--out",
        out,
    )
    assert res.returncode == 0, res.stderr
    cli = json.loads(out.read_text())

    client = client_for("a@lewisham.test")
    token = client.get("/forecast").text.split('name="csrf_token" value="')[1].split('"')[0]
    job = client.post("/api/forecast", json=OPTIONS, headers={"X-CSRF-Token": token}).json()["job"]
    _finished(client, job)
    download = client.get(f"/downloads/run/{job}.json")
    assert download.status_code == 200, download.text[download.text.find("error-summary") :][:800]
    web = download.json()

    figures = set(cli) - {"metadata"}
    assert figures and figures == set(web) - {"metadata"}
    for name in sorted(figures):
        assert web[name] == cli[name], name
    assert cli["metadata"]["seed"] == web["metadata"]["seed"] == 1  # the one default seed, recorded


def test_the_cli_and_the_web_pages_share_each_jobs_defaults():
    """Scenarios, sufficiency and high needs had 500/300/500 simulations on the CLI and 200 on the web."""
    import inspect

    from carecast.forecast.commands import forecast
    from carecast.scenarios.commands import run_command as scenario_run
    from carecast.send.commands import forecast as send_forecast
    from carecast.services.forecast import ForecastRequest
    from carecast.services.scenarios import ScenariosRequest
    from carecast.services.send import SendRequest
    from carecast.services.sufficiency import SufficiencyRequest
    from carecast.sufficiency.commands import sufficiency
    from carecast.web.api.routes.forecast import ForecastForm
    from carecast.web.api.routes.scenarios import ScenarioForm
    from carecast.web.api.routes.send import SendForm
    from carecast.web.api.routes.sufficiency import SufficiencyForm

    def cli_default(command, name):
        return inspect.signature(command).parameters[name].default.default

    for request, command, form in (
        (ForecastRequest, forecast, ForecastForm()),
        (ScenariosRequest, scenario_run, ScenarioForm(scenario="")),
        (SufficiencyRequest, sufficiency, SufficiencyForm(capacity="")),
        (SendRequest, send_forecast, SendForm(grant="")),
    ):
        for name in ("simulations", "seed", "horizon_years"):
            want = request.model_fields[name].default
            assert cli_default(command, name) == want == getattr(form, name), (
                request.__name__,
                name,
            )
        assert request.model_fields["seed"].default == 1
