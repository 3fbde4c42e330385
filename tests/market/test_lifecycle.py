"""The directory and the referral lifecycle persist in the store and reload, on SQLite and PostgreSQL."""

import datetime as dt

import polars as pl
import pytest
import yaml

from carecast.errors import NotFoundError, ParameterError
from carecast.market.examples import example_directory, example_referral
from carecast.market.matching import match
from carecast.market.store import (
    close_referral,
    load_stored_directory,
    record_placement,
    record_referral,
    record_response,
    referral_record,
    referrals_frame,
    save_directory,
)
from carecast.market.unmet import unmet_need
from carecast.store import upgrade


@pytest.fixture
def db(store_url):
    upgrade(store_url, "market@head")  # only this capability's tables: keeps the test fast
    return store_url


def test_directory_round_trips_through_the_store(db):
    d = example_directory(50, seed=4)
    save_directory(d, db)
    back = load_stored_directory(db)
    assert (
        back.homes.sort("urn").drop("source_file").equals(d.homes.sort("urn").drop("source_file"))
    )
    assert back.feedback.sort("urn").equals(d.feedback.sort("urn"))
    # a second import of some homes replaces those rows (vacancy update), others stay
    update = d.homes.head(5).with_columns(pl.lit(0).cast(pl.Int32).alias("vacancies"))
    save_directory(type(d)(update, d.feedback.filter(pl.lit(False))), db)
    again = load_stored_directory(db)
    assert again.homes.height == 50
    assert (
        again.homes.filter(pl.col("urn").is_in(update["urn"].to_list()))["vacancies"].to_list()
        == [0] * 5
    )
    assert again.feedback.sort("urn").equals(
        d.feedback.sort("urn")
    )  # a vacancy-only update keeps the feedback


def test_referral_lifecycle_persisted_and_reloaded(db):
    d = example_directory(300, seed=7)
    ref = example_referral(
        reference=None, placement_types={"preferred": [], "unsuitable": []}, needs=["semh"]
    )
    result = match(ref, d)
    assert result.shortlist.height >= 3
    reference = record_referral(ref, result, db, on=dt.date(2026, 11, 3))
    assert reference == "LEW-202611-0001"
    first, second, third = result.shortlist["urn"][:3].to_list()
    assert (
        record_response(
            reference,
            first,
            "refusal",
            reason="staffing",
            note="no night staff",
            on=dt.date(2026, 11, 4),
            url=db,
        )
        == "open"
    )
    assert (
        record_response(
            reference, second, "offer", on=dt.date(2026, 11, 5), weekly_price=5200, url=db
        )
        == "offered"
    )
    assert (
        record_placement(reference, second, dt.date(2026, 11, 10), weekly_price=5200, url=db)
        == "placed"
    )
    rec = referral_record(reference, db)
    assert rec["status"] == "placed" and rec["referral"] == ref.model_copy(
        update={"reference": reference}
    )
    assert rec["shortlist"]["urn"].to_list() == result.shortlist["urn"].to_list()
    assert rec["shortlist"]["score"].to_list() == result.shortlist["score"].to_list()
    assert rec["responses"].select("urn", "kind", "reason").rows() == [
        (first, "refusal", "staffing"),
        (second, "offer", None),
    ]
    assert rec["placement"] == {
        "urn": second,
        "start_date": dt.date(2026, 11, 10),
        "weekly_price": 5200.0,
    }
    assert third in rec["shortlist"]["urn"].to_list()


def test_refused_everywhere_no_match_and_unmet_report(db):
    d = example_directory(120, seed=3)
    # 1: refused by every shortlisted home
    r1 = example_referral(
        reference="R1", needs=["semh"], placement_types={"preferred": [], "unsuitable": []}
    )
    m1 = match(r1, d)
    record_referral(r1, m1, db, on=dt.date(2026, 10, 5))
    for urn in m1.shortlist["urn"].to_list():
        status = record_response("R1", urn, "refusal", reason="cannot_meet_needs", url=db)
    assert status == "refused_everywhere"
    # 2: nothing passes the filters (every home in a council the child must avoid)
    everywhere = sorted(set(d.homes["host_council"].to_list()))
    r2 = example_referral(
        reference="R2",
        locations={
            "home": {"council": "Lewisham"},
            "avoid": [{"name": "all", "councils": everywhere}],
        },
    )
    m2 = match(r2, d)
    assert m2.shortlist.height == 0
    record_referral(r2, m2, db, on=dt.date(2026, 11, 9))
    # 3: placed; 4: closed with no placement found
    r3 = example_referral(
        reference="R3", needs=["semh"], placement_types={"preferred": [], "unsuitable": []}
    )
    m3 = match(r3, d)
    record_referral(r3, m3, db, on=dt.date(2026, 11, 20))
    record_placement("R3", m3.shortlist["urn"][0], dt.date(2026, 11, 25), url=db)
    record_referral(
        example_referral(reference="R4", needs=["semh"]), None, db, on=dt.date(2026, 11, 21)
    )
    close_referral("R4", "no_placement_found", db)
    refs = referrals_frame(db)
    assert dict(zip(refs["reference"], refs["status"], strict=True)) == {
        "R1": "refused_everywhere",
        "R2": "no_match",
        "R3": "placed",
        "R4": "no_placement_found",
    }
    tables = unmet_need(refs, suppress=False)
    by = {
        (r["need_profile"], r["month"]): r for r in tables["by_profile_month"].iter_rows(named=True)
    }
    assert (
        by[("semh", "2026-10")]["unmet"] == 1 and by[("semh", "2026-10")]["refused_everywhere"] == 1
    )
    assert by[("cse_cce+semh", "2026-11")]["no_match"] == 1
    assert by[("semh", "2026-11")]["referrals"] == 2 and by[("semh", "2026-11")]["unmet"] == 1
    assert by[("semh", "2026-11")]["unmet_share"] == 0.5
    semh = tables["by_need"].filter(pl.col("need") == "semh").row(0, named=True)
    assert (semh["referrals"], semh["unmet"]) == (4, 3)
    assert tables["refusal_reasons"].row(0, named=True)["reason"] == "cannot_meet_needs"
    assert tables["closing_filter"].rows() == [("exclusion_zone", 1)]
    assert tables["by_council"].select("council", "referrals", "unmet").rows() == [
        ("Lewisham", 4, 3)
    ]
    own = unmet_need(
        refs
    )  # one council's own referrals, for its own staff: nothing hidden, numbers stay numbers
    assert own["by_council"].select("council", "referrals", "unmet").rows() == [("Lewisham", 4, 3)]
    shared = unmet_need(refs, suppress=True)  # for sharing: counts 1-4 become "c"
    assert set(shared["by_need"]["unmet"].to_list()) == {"c"}


def test_bad_lifecycle_input(db):
    record_referral(example_referral(reference="X1"), None, db)
    with pytest.raises(ParameterError, match="not a refusal reason"):
        record_response("X1", "SC1", "refusal", reason="bad vibes", url=db)
    with pytest.raises(ParameterError, match="needs a reason"):
        record_response("X1", "SC1", "refusal", url=db)
    with pytest.raises(NotFoundError):
        record_response("NOPE", "SC1", "offer", url=db)
    with pytest.raises(ParameterError, match="already recorded"):
        record_referral(example_referral(reference="X1"), None, db)
    with pytest.raises(ParameterError, match="close a referral"):
        close_referral("X1", "forgotten", db)


def test_cli_lifecycle(tmp_path, cli, synth_dir):
    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    code, out, _ = cli("directory", "import", synth_dir, "--db", url)
    assert code == 0 and "5 homes stored" in out
    ref = tmp_path / "r.yaml"
    doc = example_referral(reference="CLI-1").model_dump(mode="json")
    doc["locations"] = {"home": {"postcode": "SE6 4RU"}}
    doc["placement_types"] = {"preferred": [], "unsuitable": []}
    ref.write_text(yaml.safe_dump(doc))
    code, out, _ = cli("referral", "record", ref, "--db", url, "--out", tmp_path / "short.json")
    assert code == 0 and "recorded referral CLI-1" in out
    short = __import__("json").loads((tmp_path / "short.json").read_text())
    assert short["reference"] == "CLI-1" and {e["urn"] for e in short["excluded"]} | {
        s["urn"] for s in short["shortlist"]
    } == {"SC100001", "SC100002", "SC100003", "SC100004", "SC100005"}
    urn = short["shortlist"][0]["urn"]
    assert (
        cli("referral", "refuse", "CLI-1", "--urn", urn, "--reason", "staffing", "--db", url)[0]
        == 0
    )
    code, _, err = cli(
        "referral", "refuse", "CLI-1", "--urn", urn, "--reason", "grumpy", "--db", url
    )
    assert code == 2 and "not a refusal reason" in err
    code, out, _ = cli("referral", "show", "CLI-1", "--db", url)
    assert code == 0 and "staffing" in out
    code, _, err = cli("referral", "show", "NOPE", "--db", url)
    assert code == 3 and "no referral 'NOPE'" in err
    code, out, _ = cli(
        "referral", "unmet", "--db", url, "--no-suppress", "--out", tmp_path / "unmet.xlsx"
    )
    assert code == 0 and (tmp_path / "unmet.xlsx").is_file()
    code, _, _ = cli("directory", "export", "--db", url, "--out", tmp_path / "dir.csv")
    assert code == 0 and pl.read_csv(tmp_path / "dir.csv").height == 5


def test_market_migrations_go_down_and_up_again(sqlite_url):
    from alembic import command
    from sqlalchemy import inspect

    from carecast.store.db import alembic_config, get_engine

    upgrade(sqlite_url, "market@head")
    assert "filters" in {
        c["name"] for c in inspect(get_engine(sqlite_url)).get_columns("market_referrals")
    }
    command.downgrade(alembic_config(sqlite_url), "market@base")
    assert not any(
        t.startswith("market_") for t in inspect(get_engine(sqlite_url)).get_table_names()
    )
    upgrade(sqlite_url, "market@head")
    assert "market_homes" in inspect(get_engine(sqlite_url)).get_table_names()
