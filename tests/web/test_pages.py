"""Costs and snapshot pages: built from the capabilities' public APIs, scoped to what each user may see."""


def test_costs_page_prices_the_councils_placements(with_data, client_for):
    client = client_for("f@lewisham.test")
    page = client.get("/costs")
    assert page.status_code == 200 and "placement costs by financial year" in page.text
    rows = client.get("/api/costs").json()["by_financial_year"]
    assert rows and all(r["cost"] >= 0 for r in rows) and sum(r["cost"] for r in rows) > 0
    csv = client.get("/downloads/costs.csv")
    assert csv.status_code == 200 and "cost" in csv.text.splitlines()[0]
    assert client_for("r@london.test").get("/api/costs").status_code == 403


def test_snapshot_for_council_and_region(app, client_for, synth_dir, settings):
    from carecast.ingest import load_returns
    from carecast.store import session_scope
    from carecast.web.datastore import save_dataset

    ids = {}
    with session_scope(settings.database_url) as db:
        for council in ("Lewisham", "Camden"):
            loaded = load_returns(synth_dir / council, council=council)
            ids[council] = set(loaded.children["child_id"].to_list())
            save_dataset(
                db,
                settings.data_dir,
                council=council,
                uploaded_by="t",
                content_hash=council,
                episodes=loaded.episodes,
                children=loaded.children,
                quality={},
            )
    council = client_for("a@lewisham.test")
    page = council.get("/snapshot")
    assert page.status_code == 200 and "Lewisham: placement snapshot on" in page.text
    # "the region" is London, not Lewisham alone: 1 of London's councils supplied data
    assert "1 of the 33 councils in London" in page.text
    assert council.get("/snapshot?date=2023-09-30").status_code == 200
    assert "30 September 2023" in council.get("/snapshot?date=2023-09-30").text
    regional = client_for("r@london.test")
    res = regional.get("/snapshot")
    assert res.status_code == 200 and "London: placement snapshot" in res.text
    assert "are shown as" in res.text or "suppress" in res.text.lower()  # the suppression note
    import re

    tokens = set(re.findall(r"[A-Za-z0-9]+", res.text))
    assert not tokens & (ids["Lewisham"] ^ ids["Camden"])  # no child ids in the regional view
    assert regional.get("/downloads/snapshot.xlsx").status_code == 200


def test_directory_and_matching(app, client_for, synth_dir):
    from .conftest import csrf_of, zip_council
    from .test_uploads import wait_for_job

    client = client_for("a@lewisham.test")
    assert client.get("/directory").status_code == 404  # nothing uploaded yet: says so
    token = csrf_of(client.get("/upload").text)
    res = client.post(
        "/upload",
        data={"csrf_token": token},
        headers={"HX-Request": "true"},
        files={"files": ("returns.zip", zip_council(synth_dir, "Lewisham"), "application/zip")},
    )
    assert "Returns loaded" in wait_for_job(client, res.text, timeout=60)
    page = client.get("/directory")
    assert (
        page.status_code == 200
        and "homes in the directory" in page.text
        and "Find homes" in page.text
    )
    from importlib import resources

    referral = (resources.files("carecast.market") / "data" / "referral_template.yaml").read_text(
        "utf-8"
    )
    found = client.post(
        "/directory/match",
        data={"csrf_token": token, "referral": referral},
        headers={"HX-Request": "true"},
    )
    assert found.status_code == 200 and "could meet this referral" in found.text
    bad = client.post(
        "/directory/match",
        data={"csrf_token": token, "referral": "council: [unclosed"},
        headers={"HX-Request": "true"},
    )
    assert bad.status_code == 422 and "not valid YAML" in bad.text
    regional = client_for("r@london.test")
    assert regional.get("/directory").status_code == 200
    assert (
        regional.post(
            "/directory/match",
            data={"csrf_token": csrf_of(regional.get("/directory").text), "referral": referral},
        ).status_code
        == 403
    )


def test_budget_monitoring_forecasts_outturn_per_line(app, client_for, synth_dir, settings):
    from carecast.ingest import load_returns
    from carecast.store import session_scope
    from carecast.web.datastore import save_dataset

    from .conftest import csrf_of

    loaded = load_returns(synth_dir / "Lewisham", council="Lewisham")
    with session_scope(settings.database_url) as db:
        save_dataset(
            db,
            settings.data_dir,
            council="Lewisham",
            uploaded_by="t",
            content_hash="b",
            episodes=loaded.episodes,
            children=loaded.children,
            quality={},
        )
    client = client_for("f@lewisham.test")
    page = client.get("/budget")
    assert page.status_code == 200 and "2023-24" in page.text
    import html
    import re

    budget = html.unescape(
        re.search(r'<textarea id="budget"[^>]*>(.*?)</textarea>', page.text, re.S).group(1)
    )
    res = client.post(
        "/budget",
        data={"csrf_token": csrf_of(page.text), "budget": budget, "as_of": "2023-12-31"},
        headers={"HX-Request": "true"},
    )
    assert res.status_code == 200, res.text[:500]
    assert (
        "Forecast outturn at 31 December 2023" in res.text
        and "Children&#39;s placements" in res.text
    )
    bad = client.post(
        "/budget",
        data={"csrf_token": csrf_of(page.text), "budget": "lines: [", "as_of": "2023-12-31"},
        headers={"HX-Request": "true"},
    )
    assert bad.status_code == 422 and "not valid YAML" in bad.text
    assert client_for("r@london.test").get("/budget").status_code == 403


def test_scenario_runs_against_the_baseline(app, client_for, synth_dir, settings):
    from carecast.ingest import load_returns
    from carecast.store import session_scope
    from carecast.web.datastore import save_dataset

    from .conftest import csrf_of
    from .test_uploads import wait_for_job

    loaded = load_returns(synth_dir / "Lewisham", council="Lewisham")
    with session_scope(settings.database_url) as db:
        save_dataset(
            db,
            settings.data_dir,
            council="Lewisham",
            uploaded_by="t",
            content_hash="s",
            episodes=loaded.episodes,
            children=loaded.children,
            quality={},
        )
    client = client_for("a@lewisham.test")
    page = client.get("/scenarios")
    assert page.status_code == 200 and "reduce_entries" in page.text
    import html
    import re

    text = html.unescape(
        re.search(r'<textarea id="scenario"[^>]*>(.*?)</textarea>', page.text, re.S).group(1)
    )
    token = csrf_of(page.text)
    res = client.post(
        "/scenarios",
        data={
            "csrf_token": token,
            "scenario": text,
            "horizon_years": "3",
            "simulations": "50",
            "seed": "2",
        },
        headers={"HX-Request": "true"},
    )
    assert res.status_code == 200, res.text[:800]
    done = wait_for_job(client, res.text, timeout=120)
    assert (
        "ccn_optimised compared with" in done or "baseline compared with ccn_optimised" in done
    ), done[:1500]
    assert done.count("data-figure=") >= 1
    bad = client.post(
        "/scenarios",
        data={
            "csrf_token": token,
            "scenario": "scenario: x\nlevers:\n  - lever: nope\n",
            "horizon_years": "3",
            "simulations": "50",
            "seed": "2",
        },
        headers={"HX-Request": "true"},
    )
    assert bad.status_code == 422 and "What to do" in bad.text
