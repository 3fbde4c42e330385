"""Forecast page: runs in the background, shows fan charts and assumptions, caches by input hash,
downloads as Excel; another council's users cannot watch or download the run."""

import openpyxl

from .conftest import COUNCIL_A, csrf_of, zip_council
from .test_uploads import wait_for_job

FORM = {"horizon_years": "2", "simulations": "100", "trend": "flat", "uasc": "include", "seed": "4"}


def _upload(client, synth_dir):
    token = csrf_of(client.get("/upload").text)
    res = client.post(
        "/upload",
        data={"csrf_token": token},
        headers={"HX-Request": "true"},
        files={"files": ("returns.zip", zip_council(synth_dir, COUNCIL_A), "application/zip")},
    )
    html = wait_for_job(client, res.text, timeout=60)
    assert "Returns loaded" in html, html[:2000]
    return token


def test_forecast_runs_in_background_and_is_cached(app, client_for, synth_dir, tmp_path):
    client = client_for("a@lewisham.test")
    token = _upload(client, synth_dir)
    overview = client.get("/api/overview").json()
    assert overview["out_of_area"] > 0  # postcodes.csv in the zip gave in/out-of-area flags

    page = client.get("/forecast")
    assert page.status_code == 200 and "Run forecast" in page.text
    first = client.post(
        "/forecast", data={"csrf_token": token, **FORM}, headers={"HX-Request": "true"}
    )
    assert (
        first.status_code == 200 and "<progress" in first.text
    )  # answered at once, work in background
    html = wait_for_job(client, first.text, timeout=60)
    assert (
        "Forecast from" in html and "Children by financial year" in html and "Assumptions" in html
    )
    assert html.count("data-figure=") >= 2  # fan charts (Plotly JSON, drawn by the page)
    assert "All children in care" in html

    again = client.post(
        "/forecast", data={"csrf_token": token, **FORM}, headers={"HX-Request": "true"}
    )
    assert 'data-job-status="done"' in again.text  # same data + options: served from the cache

    import re

    job = re.search(r'href="/downloads/run/([0-9a-f]+)\.xlsx"', html).group(1)
    xlsx = client.get(f"/downloads/run/{job}.xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    path = tmp_path / "f.xlsx"
    path.write_bytes(xlsx.content)
    sheets = openpyxl.load_workbook(path, read_only=True).sheetnames
    assert any("financial" in s.lower() for s in sheets), sheets

    other = client_for("b@camden.test")
    assert other.get(f"/downloads/run/{job}.xlsx").status_code == 403
    assert other.get(f"/api/jobs/{job}").status_code == 403


def test_forecast_options_are_validated(with_data, client_for):
    client = client_for("a@lewisham.test")
    token = csrf_of(client.get("/overview").text)
    res = client.post(
        "/forecast",
        data={"csrf_token": token, **FORM, "horizon_years": "40"},
        headers={"HX-Request": "true"},
    )
    assert res.status_code == 422 and "horizon_years" in res.text


def test_forecast_without_data_says_upload_first(app, client_for):
    client = client_for("a@lewisham.test")
    res = client.get("/forecast")
    assert res.status_code == 404 and "has not uploaded any returns" in res.text


def test_regional_user_cannot_run_council_forecasts(with_data, client_for):
    client = client_for("r@london.test")
    assert client.get("/forecast").status_code == 403
    token = csrf_of(
        client.get("/overview").text.replace("hx-headers", "")
    )  # the logout form's token
    res = client.post("/api/forecast", json={"horizon_years": 1}, headers={"X-CSRF-Token": token})
    assert res.status_code == 403 and "may not run forecasts" in res.json()["message"]
