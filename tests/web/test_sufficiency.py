"""Sufficiency page: the capacity YAML is validated inline (no 500), the run goes to the background
and shows the gap, the plan and the charts, and a council may assess only its own places."""

import html
import io
import re

import openpyxl

from carecast.store import session_scope
from carecast.web.datastore import save_dataset

from .conftest import COUNCIL_A, COUNCIL_B, csrf_of, make_tables
from .test_uploads import wait_for_job


def _capacity(page: str) -> str:
    return html.unescape(
        re.search(r'<textarea id="capacity"[^>]*>(.*?)</textarea>', page, re.S).group(1)
    )


def _post(client, token, capacity, **extra):
    data = {
        "csrf_token": token,
        "capacity": capacity,
        "scenario": "baseline",
        "horizon_years": "2",
        "simulations": "50",
        "seed": "3",
        **extra,
    }
    return client.post("/sufficiency", data=data, headers={"HX-Request": "true"})


def _four_years(settings, *councils):
    """Entries over ~4 years (a 3-year reference window fits) for each council."""
    with session_scope(settings.database_url) as db:
        for council in councils:
            episodes, children = make_tables(council, 90, council[:3].upper())
            save_dataset(
                db,
                settings.data_dir,
                council=council,
                uploaded_by="t",
                content_hash=f"suff-{council}",
                episodes=episodes,
                children=children,
                quality={},
            )


def test_sufficiency_page_runs_and_shows_gap_plan_and_charts(app, settings, client_for):
    _four_years(settings, COUNCIL_A)
    client = client_for("a@lewisham.test")
    page = client.get("/sufficiency")
    assert page.status_code == 200 and "Assess sufficiency" in page.text
    assert 'href="/sufficiency"' in page.text  # in the menu for a council analyst
    capacity = _capacity(page.text)
    assert "council: Lewisham" in capacity and "foster_households" in capacity
    res = _post(client, csrf_of(page.text), capacity)
    assert res.status_code == 200 and "<progress" in res.text
    done = wait_for_job(client, res.text, timeout=60)
    assert "Gap by financial year" in done and "Gap by year" in done, done[
        :1500
    ]  # section, table caption
    assert (
        "Capacity plan" in done
        and "(to cover p90 demand)" in done
        and "(to cover p50 demand)" in done
    )
    assert done.count("data-figure=") >= 1
    job = re.search(r'href="/downloads/run/([0-9a-f]+)\.csv"', done).group(1)
    csv = client.get(f"/downloads/run/{job}.csv")
    assert csv.status_code == 200 and "financial_year" in csv.text
    xlsx = client.get(f"/downloads/run/{job}.xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    sheets = openpyxl.load_workbook(io.BytesIO(xlsx.content), read_only=True).sheetnames
    assert any("gap" in s.lower() for s in sheets) and any("plan" in s.lower() for s in sheets), (
        sheets
    )
    again = _post(client, csrf_of(page.text), capacity)
    assert 'data-job-status="done"' in again.text  # same inputs: served from the cache
    assert client_for("b@camden.test").get(f"/downloads/run/{job}.csv").status_code == 403


def test_bad_capacity_is_answered_inline(with_data, client_for):
    client = client_for("a@lewisham.test")
    token = csrf_of(client.get("/sufficiency").text)
    broken = _post(client, token, "as_at: 2025-03-31\nhomes: [\n")
    assert (
        broken.status_code == 422
        and "not valid YAML" in broken.text
        and "What to do" in broken.text
    )
    wrong = _post(
        client,
        token,
        "as_at: 2025-03-31\nhomes:\n  - {name: A, category: castle, places: 2,"
        " start: 2020-01-01}\n",
    )
    assert wrong.status_code == 422 and "castle" in wrong.text and "error-summary" in wrong.text
    missing = _post(client, token, "council: Lewisham\n")
    assert missing.status_code == 422 and "as_at" in missing.text


def test_council_cannot_assess_another_councils_places(with_data, client_for):
    client = client_for("b@camden.test")
    page = client.get("/sufficiency")
    res = _post(
        client,
        csrf_of(page.text),
        _capacity(page.text).replace("council: Camden", "council: Lewisham"),
    )
    assert res.status_code == 403 and "you may assess only Camden" in res.text
    two = _post(client, csrf_of(page.text), _capacity(page.text) + "---\n" + _capacity(page.text))
    assert two.status_code == 422 and "one capacity, for your own council" in two.text


def test_regional_user_assesses_the_region_summed(app, settings, client_for):
    _four_years(settings, COUNCIL_A, COUNCIL_B)
    regional = client_for("r@london.test")
    page = regional.get("/sufficiency")
    assert page.status_code == 200 and 'href="/sufficiency"' in page.text and "summed" in page.text
    capacity = _capacity(page.text)
    assert (
        "council: Camden" in capacity and "council: Lewisham" in capacity
    )  # one per council with data
    bad = _post(regional, csrf_of(page.text), capacity.replace("council: Camden", "council: Leeds"))
    assert bad.status_code == 403 and "you may assess only Camden, Lewisham" in bad.text
    res = _post(regional, csrf_of(page.text), capacity)
    assert res.status_code == 200 and "<progress" in res.text
    job = re.search(r'hx-get="/jobs/([0-9a-f]+)"', res.text).group(1)
    assert (
        client_for("a@lewisham.test").get(f"/api/jobs/{job}").status_code == 403
    )  # the owner's run only
    done = wait_for_job(regional, res.text, timeout=60)
    assert "Demand covers 2 of the" in done and "Complex adolescents" in done, done[:1500]
    assert "child_id" not in done  # aggregates only


def test_uploaded_capacity_file_replaces_the_text(with_data, client_for):
    client = client_for("a@lewisham.test")
    page = client.get("/sufficiency")
    data = {
        "csrf_token": csrf_of(page.text),
        "capacity": _capacity(page.text),
        "scenario": "ccn_optimised",
        "horizon_years": "2",
        "simulations": "50",
        "seed": "3",
    }
    res = client.post(
        "/sufficiency",
        data=data,
        headers={"HX-Request": "true"},
        files={"capacity_file": ("capacity.yaml", b"council: Lewisham\nas_at: [\n", "text/yaml")},
    )
    assert (
        res.status_code == 422 and "not valid YAML" in res.text
    )  # the file, not the (valid) text, was read
    latin = client.post(
        "/sufficiency",
        data=data,
        headers={"HX-Request": "true"},
        files={
            "capacity_file": (
                "capacity.yaml",
                "as_at: 2025-03-31 # caf\xe9".encode("latin-1"),
                "text/yaml",
            )
        },
    )
    assert latin.status_code == 422 and "not UTF-8" in latin.text
    unknown = client.post(
        "/sufficiency", data={**data, "scenario": "utopia"}, headers={"HX-Request": "true"}
    )
    assert unknown.status_code == 422 and "scenario" in unknown.text
