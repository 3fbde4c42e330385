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
            save_dataset(db, settings.data_dir, council=council, uploaded_by="t", content_hash=council,
                         episodes=loaded.episodes, children=loaded.children, quality={})
    council = client_for("a@lewisham.test")
    page = council.get("/snapshot")
    assert page.status_code == 200 and "Lewisham: placement snapshot on" in page.text
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
