"""Sufficiency page: the capacity YAML is validated inline (no 500), the run goes to the background
and shows the gap, the plan and the charts, and a council may assess only its own places."""

import html
import re

from carecast.store import session_scope
from carecast.web.datastore import save_dataset

from .conftest import COUNCIL_A, csrf_of, make_tables
from .test_uploads import wait_for_job


def _capacity(page: str) -> str:
    return html.unescape(re.search(r'<textarea id="capacity"[^>]*>(.*?)</textarea>', page, re.S).group(1))


def _post(client, token, capacity, **extra):
    data = {"csrf_token": token, "capacity": capacity, "scenario": "baseline", "horizon_years": "2",
            "simulations": "50", "seed": "3", **extra}
    return client.post("/sufficiency", data=data, headers={"HX-Request": "true"})


def test_sufficiency_page_runs_and_shows_gap_plan_and_charts(app, settings, client_for):
    episodes, children = make_tables(COUNCIL_A, 90, "LEW")  # entries over ~4 years: a 3-year window fits
    with session_scope(settings.database_url) as db:
        save_dataset(db, settings.data_dir, council=COUNCIL_A, uploaded_by="t", content_hash="suff",
                     episodes=episodes, children=children, quality={})
    client = client_for("a@lewisham.test")
    page = client.get("/sufficiency")
    assert page.status_code == 200 and "Assess sufficiency" in page.text
    assert 'href="/sufficiency"' in page.text  # in the menu for a council analyst
    capacity = _capacity(page.text)
    assert "council: Lewisham" in capacity and "foster_households" in capacity
    res = _post(client, csrf_of(page.text), capacity)
    assert res.status_code == 200 and "<progress" in res.text
    done = wait_for_job(client, res.text, timeout=60)
    assert "Gap by financial year" in done and "Gap by year" in done, done[:1500]  # section, table caption
    assert "Capacity plan" in done and "(to cover p90 demand)" in done and "(to cover p50 demand)" in done
    assert done.count("data-figure=") >= 1
    job = re.search(r'href="/downloads/run/([0-9a-f]+)\.csv"', done).group(1)
    csv = client.get(f"/downloads/run/{job}.csv")
    assert csv.status_code == 200 and "financial_year" in csv.text
    again = _post(client, csrf_of(page.text), capacity)
    assert 'data-job-status="done"' in again.text  # same inputs: served from the cache
    assert client_for("b@camden.test").get(f"/downloads/run/{job}.csv").status_code == 403


def test_bad_capacity_is_answered_inline(with_data, client_for):
    client = client_for("a@lewisham.test")
    token = csrf_of(client.get("/sufficiency").text)
    broken = _post(client, token, "as_at: 2025-03-31\nhomes: [\n")
    assert broken.status_code == 422 and "not valid YAML" in broken.text and "What to do" in broken.text
    wrong = _post(client, token, "as_at: 2025-03-31\nhomes:\n  - {name: A, category: castle, places: 2,"
                                 " start: 2020-01-01}\n")
    assert wrong.status_code == 422 and "castle" in wrong.text and "error-summary" in wrong.text
    missing = _post(client, token, "council: Lewisham\n")
    assert missing.status_code == 422 and "as_at" in missing.text


def test_council_cannot_assess_another_councils_places(with_data, client_for):
    client = client_for("b@camden.test")
    page = client.get("/sufficiency")
    res = _post(client, csrf_of(page.text), _capacity(page.text).replace("council: Camden", "council: Lewisham"))
    assert res.status_code == 403 and "you may assess only Camden" in res.text
    regional = client_for("r@london.test")
    assert regional.get("/sufficiency").status_code == 403
    assert 'href="/sufficiency"' not in regional.get("/overview").text
