"""High needs page: SEN2 records (or published counts) uploaded with the quality report inline, the
forecast against the grant run in the background and cached, grant and levers checked inline, and a
council's high-needs data and runs visible to its own users only."""

import html
import io
import re

import openpyxl
import polars as pl
import pytest
from sqlalchemy import select

from carecast.send.params import default_costs_text
from carecast.store import session_scope
from carecast.store.models_web import WebAuditEvent, WebDataset

from .conftest import csrf_of
from .test_uploads import wait_for_job

GRANT = (
    "allocation: {2024: 20000000, 2025: 20500000}\nallocation_growth: 0.02\n"
    "transfers_in:\n  schools_block: {2024: 300000}\nopening_cumulative_deficit: 2000000\n"
)


def _upload(client, name: str, data: bytes, token: str | None = None):
    token = token or csrf_of(client.get("/send").text)
    return client.post(
        "/send/upload",
        data={"csrf_token": token},
        headers={"HX-Request": "true"},
        files={"files": (name, data, "text/csv")},
    )


def _run(client, grant: str = GRANT, **extra):
    data = {
        "csrf_token": csrf_of(client.get("/send").text),
        "grant": grant,
        "threshold": "£3,000,000",
        "levers": "",
        "horizon_years": "2",
        "simulations": "50",
        "trend": "fitted",
        "data_start": "",
        "seed": "3",
        **extra,
    }
    return client.post("/send", data=data, headers={"HX-Request": "true"})


def _loaded(client, send_files) -> str:
    res = _upload(client, "ehcp_records.csv", send_files["records"])
    assert res.status_code == 200 and "<progress" in res.text
    return wait_for_job(client, res.text)


def test_records_upload_reports_every_row_then_forecast_shows_fan_chart_and_deficit(
    app, settings, client_for, send_files
):
    client = client_for("a@lewisham.test")
    page = client.get("/send")
    assert (
        page.status_code == 200 and 'href="/send"' in page.text and "Upload and check" in page.text
    )
    done = _loaded(client, send_files)
    assert "EHCP records loaded" in done and "Data-quality report" in done
    read = int(re.search(r"([\d,]+) rows read", done).group(1).replace(",", ""))
    assert read == send_files["rows"]  # every row of the file is counted
    for rule in (
        "PLAN_END_BEFORE_START",
        "UNKNOWN_SETTING",
        "PLAN_STARTS_OVER_MAX_AGE",
    ):  # planted defects
        assert rule in done, rule
    assert "hospital school" in done  # the unknown value is shown ...
    assert not set(re.findall(r"LEW\d+", done)) & send_files["ids"]  # ... child ids never are
    with session_scope(settings.database_url) as db:
        ds = db.scalar(select(WebDataset).where(WebDataset.kind == "ehcp_records"))
        assert (ds.council, ds.form, ds.quality["totals"]["read"]) == ("Lewisham", "records", read)
    assert client.get("/api/send").json()["dataset"]["form"] == "records"

    res = _run(client)
    assert res.status_code == 200 and "<progress" in res.text
    result = wait_for_job(client, res.text, timeout=60)
    assert "High-needs forecast from" in result, result[:2000]
    assert "EHC plans by setting" in result and "EHC plans by age group" in result
    assert result.count("data-figure=") >= 5  # fan chart, setting, age group, grant, deficit
    deficit = re.search(r'data-testid="send-deficit"><strong>(.*?)</strong>', result).group(1)
    assert "£3,000,000" in deficit and "cumulative deficit" in deficit
    job = re.search(r'href="/downloads/run/([0-9a-f]+)\.xlsx"', result).group(1)
    xlsx = client.get(f"/downloads/run/{job}.xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    sheets = openpyxl.load_workbook(io.BytesIO(xlsx.content), read_only=True).sheetnames
    assert {"plans_total", "high_needs_position", "deficit_threshold", "history_by_setting"} <= set(
        sheets
    ), sheets
    csv = client.get(f"/downloads/run/{job}.csv")
    assert csv.status_code == 200 and "p95" in csv.text

    again = _run(client)
    assert (
        'data-job-status="done"' in again.text and 'hx-trigger="load"' in again.text
    )  # cached: shown at once
    assert "High-needs forecast from" in wait_for_job(client, again.text)
    api = client.post(
        "/api/send",
        json={
            "grant": GRANT,
            "threshold": 3_000_000,
            "horizon_years": 2,
            "simulations": 50,
            "seed": 3,
        },
        headers={"X-CSRF-Token": csrf_of(page.text)},
    )
    assert (
        api.status_code == 200 and api.json()["status"] == "done"
    )  # same inputs by the API: same cache

    camden = client_for("b@camden.test")
    assert camden.get(f"/downloads/run/{job}.xlsx").status_code == 403
    assert camden.get(f"/api/jobs/{job}").status_code == 403
    assert (
        camden.get("/api/send").json()["dataset"] is None
    )  # Camden sees its own (empty) data only
    assert _run(camden).status_code == 404  # nothing of Camden's to forecast
    with session_scope(settings.database_url) as db:
        events = [
            (e.action, e.detail.get("kind") or e.detail.get("table"))
            for e in db.scalars(select(WebAuditEvent))
        ]
    assert {("upload", "high_needs"), ("run", "high_needs"), ("export", "high_needs")} <= set(
        events
    )


@pytest.mark.parametrize(
    ("name", "data", "status", "words"),
    [
        ("ehcp.xlsx", b"PK\x03\x04rest", 422, "not EHCP records"),
        ("ehcp.csv", b"", 422, "empty"),
        ("ehcp.csv", b"\x00\x01binary", 422, "binary"),
    ],
)
def test_wrong_files_are_refused_at_once(with_data, client_for, name, data, status, words):
    res = _upload(client_for("a@lewisham.test"), name, data)
    assert res.status_code == status and words in res.text and "What to do" in res.text


@pytest.mark.parametrize(
    ("text", "words"),
    [
        (
            "council,child\nLewisham,1\n",
            "file ehcp.csv: ehcp.csv has no column(s) ['dob', 'plan_start', 'setting']",
        ),
        (
            "council,year,age,setting,plans\nLewisham,2024,31,special,4\n",
            "file ehcp.csv, row 2, column age: 1 row(s): age '31' is not an age from 0 to 25",
        ),
        (
            "council,child_id,dob,plan_start,setting\nCamden,C1,01/01/2012,01/09/2020,special\n",
            "not only Lewisham",
        ),
        (
            "year,age,setting,plans\n2024,3,special,4,5,6\n\xff\xfe\n",
            "row 2 has 6 values but the header names 4 columns",
        ),
        (
            "child_id,dob,plan_start,setting\n,01/01/2012,01/09/2020,special\nX,,01/09/2020,special\n",
            "none of the 2 rows read could be kept (2 dropped)",
        ),
    ],
)
def test_unusable_contents_end_the_upload_with_the_message(
    with_data, settings, client_for, text, words
):
    client = client_for("a@lewisham.test")
    done = html.unescape(
        wait_for_job(client, _upload(client, "ehcp.csv", text.encode("latin-1")).text)
    )
    assert "did not finish" in done and words in done, done
    assert str(settings.data_dir) not in done  # the server's folders are never shown
    with session_scope(settings.database_url) as db:
        assert (
            db.scalar(select(WebDataset).where(WebDataset.kind.like("ehcp_%"))) is None
        )  # nothing stored


def test_grant_levers_and_threshold_are_checked_inline(with_data, client_for, send_files):
    client = client_for("a@lewisham.test")
    assert _run(client).status_code == 404  # no high-needs data yet: said plainly
    assert "has not uploaded any high-needs" in _run(client).text
    _loaded(client, send_files)
    broken = _run(client, grant="allocation: {2024: [\n")
    assert (
        broken.status_code == 422
        and "The grant is not valid YAML" in broken.text
        and "file grant, row 2" in broken.text
    )
    lottery = _run(client, grant="allocation: {2024: 1000}\ntransfers_in:\n  lottery: {2024: 5}\n")
    assert lottery.status_code == 422 and "lottery" in lottery.text and "row 3" in lottery.text
    levers = _run(
        client,
        levers="scenario: x\nlevers:\n  - lever: local_special_places\n    start: 2025-01-01\n"
        "    places: -5\n",
    )
    assert (
        levers.status_code == 422
        and "file levers, row 5" in levers.text
        and "What to do" in levers.text
    )
    costs = _run(client, costs="annual_costs:\n  value: {special: 22000}\n")
    assert (
        costs.status_code == 422
        and "No annual cost for setting(s)" in costs.text
        and "file costs" in costs.text
    )
    threshold = _run(client, threshold="lots")
    assert threshold.status_code == 422 and "threshold" in threshold.text
    latin = client.post(
        "/send",
        data={"csrf_token": csrf_of(client.get("/send").text), "grant": GRANT},
        files={
            "grant_file": (
                "grant.yaml",
                "allocation: {2024: 1} # caf\xe9".encode("latin-1"),
                "text/yaml",
            )
        },
        headers={"HX-Request": "true"},
    )
    assert latin.status_code == 422 and "grant file is not UTF-8" in latin.text


def test_published_counts_are_projected_and_refuse_levers(with_data, client_for, send_files):
    client = client_for("a@lewisham.test")
    done = wait_for_job(client, _upload(client, "ehcp_counts.csv", send_files["counts"]).text)
    assert "Published counts loaded" in done and "merged" in done
    with_levers = _run(client, levers="scenario: x\nlevers: []\n")
    assert (
        with_levers.status_code == 422
        and "Levers need child-level EHCP records" in with_levers.text
    )
    own_rates = default_costs_text().replace(
        "value: 22000", "value: 99999"
    )  # the council's special school rate
    result = wait_for_job(client, _run(client, costs=own_rates).text, timeout=60)
    assert "Projected plans (published counts only)" in result and "cumulative deficit" in result
    # the rate used is in the assumptions, its key in words
    assert "99999" in result and "Cost source" in result and "costs.cost_source" not in result


def test_who_sees_the_page_and_who_uploads(with_data, client_for):
    assert 'href="/send"' not in client_for("r@london.test").get("/overview").text
    regional = client_for("r@london.test").get("/send")
    assert regional.status_code == 403 and "may not see high-needs" in regional.text
    finance = client_for("f@lewisham.test")
    page = finance.get("/send")
    assert (
        page.status_code == 200
        and "Run high-needs forecast" in page.text
        and "Upload and check" not in page.text
    )
    assert _upload(finance, "ehcp.csv", b"child_id\n1\n").status_code == 403
    analyst = client_for("a@lewisham.test")
    no_token = analyst.post(
        "/send/upload", files={"files": ("ehcp.csv", b"child_id\n1\n", "text/csv")}
    )
    assert no_token.status_code == 403 and "did not come from this site" in no_token.text


def test_send_datasets_round_trip_on_both_stores(store_url, tmp_path):
    from carecast.send import PLAN_COLUMNS
    from carecast.store import upgrade
    from carecast.web.datastore import current_send_dataset, load_send, save_send_dataset

    upgrade(store_url)
    records = pl.DataFrame({"council": ["Lewisham"] * 2, "child_id": ["1", "2"]}).with_columns(
        *(
            pl.lit(None, dtype).alias(c)
            for c, dtype in PLAN_COLUMNS.items()
            if c not in ("council", "child_id")
        )
    )
    with session_scope(store_url) as db:
        save_send_dataset(
            db,
            tmp_path,
            council="Lewisham",
            form="records",
            uploaded_by="a@lewisham.test",
            content_hash="h1",
            table=records,
            n_children=2,
            quality={"totals": {"read": 3}},
        )
        save_send_dataset(
            db,
            tmp_path,
            council="Lewisham",
            form="counts",
            uploaded_by="a@lewisham.test",
            content_hash="h2",
            table=pl.DataFrame({"council": ["Lewisham"], "plans": [4]}),
            n_children=0,
            quality={"totals": {"read": 1}},
        )
    with session_scope(store_url) as db:
        data = load_send(db, tmp_path, "Lewisham")
        assert (data.form, data.content_hash, data.table.height) == (
            "counts",
            "h2",
            1,
        )  # the latest is current
        assert data.uploaded_at.tzinfo is not None and data.quality["totals"]["read"] == 1
        assert current_send_dataset(db, "Camden") is None
