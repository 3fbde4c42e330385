"""Seeded example directories and referrals, for tests, benchmarks and demos (not real homes)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from carecast.market.directory import FEEDBACK_COLUMNS, HOME_COLUMNS, Directory
from carecast.market.referral import Referral, parse_referral
from carecast.market.vocab import vocabulary
from carecast.schema import councils


def example_homes(n: int, seed: int = 0, *, on: dt.date = dt.date(2026, 11, 1)) -> pl.DataFrame:
    """``n`` random homes in the directory's canonical columns, spread over the reference councils;
    about one in ten leaves each optional fact unreported, as real directories do."""
    rng = np.random.default_rng(seed)
    voc = vocabulary()
    cs = councils()
    host = rng.integers(0, len(cs), n)
    types = np.array(voc.types.ids)[
        rng.choice(len(voc.types.ids), n, p=[0.55, 0.2, 0.15, 0.05, 0.05])
    ]
    needs_ids = np.array(voc.needs.ids)
    has = rng.random((n, len(needs_ids))) < 0.45
    needs = [sorted(needs_ids[row].tolist()) for row in has]
    places = rng.integers(1, 9, n)
    vac = np.minimum(rng.integers(0, 3, n), places)
    age_min = rng.choice([0, 5, 8, 10, 11, 12], n)
    age_max = np.maximum(age_min + rng.integers(4, 10, n), 17).clip(max=18)
    pmin = np.round(rng.uniform(800, 7000, n), -1)
    ratings = np.array(voc.ratings.ids)[rng.choice(5, n, p=[0.2, 0.5, 0.05, 0.15, 0.1])]
    placements = rng.integers(0, 12, n)
    breakdowns = rng.binomial(placements, 0.2)
    frame = pl.DataFrame(
        {
            "urn": [f"SC{100000 + i:06d}" for i in range(n)],
            "name": [f"Example home {i}" for i in range(n)],
            "provider": [f"Provider {i % 97}" for i in range(n)],
            "type": types,
            "host_council": [cs[h].name for h in host],
            "postcode": [None] * n,
            "places": places,
            "vacancies": vac,
            "vacancies_reported": [on - dt.timedelta(days=int(d)) for d in rng.integers(0, 30, n)],
            "next_vacancy_date": [on + dt.timedelta(days=int(d)) for d in rng.integers(0, 90, n)],
            "ofsted_rating": ratings,
            "ofsted_date": [on - dt.timedelta(days=int(d)) for d in rng.integers(30, 1000, n)],
            "registration": ["EBD"] * n,
            "needs": needs,
            "sexes": np.array(["any", "male", "female"])[rng.choice(3, n, p=[0.8, 0.1, 0.1])],
            "age_min": age_min,
            "age_max": age_max,
            "same_day_admissions": rng.random(n) < 0.4,
            "max_staffing_ratio": rng.choice([0.5, 1.0, 2.0, 3.0], n),
            "price_min_weekly": pmin,
            "price_max_weekly": pmin + np.round(rng.uniform(0, 1500, n), -1),
            "education_on_site": rng.random(n) < 0.3,
            "placements_made": placements,
            "good_outcomes": placements - breakdowns,
            "breakdowns": breakdowns,
            "lat": np.round(np.array([cs[h].lat for h in host]) + rng.normal(0, 0.03, n), 5),
            "lon": np.round(np.array([cs[h].lon for h in host]) + rng.normal(0, 0.05, n), 5),
            "location_source": ["given"] * n,
            "source_file": ["example"] * n,
            "source_row": np.arange(2, n + 2),
        }
    )
    unknown = {
        c: pl.Series(rng.random(n) < 0.1)
        for c in (
            "vacancies",
            "same_day_admissions",
            "max_staffing_ratio",
            "age_max",
            "education_on_site",
            "ofsted_rating",
            "price_max_weekly",
        )
    }
    frame = frame.with_columns(
        [pl.when(mask).then(None).otherwise(pl.col(c)).alias(c) for c, mask in unknown.items()]
    )
    return frame.select([pl.col(c).cast(t) for c, t in HOME_COLUMNS.items()])


def example_directory(n: int, seed: int = 0) -> Directory:
    homes = example_homes(n, seed)
    feedback = homes.filter(pl.col("placements_made") > 0).select(
        "urn", pl.lit("any").alias("need"), "placements_made", "good_outcomes", "breakdowns"
    )
    return Directory(
        homes,
        feedback.select([pl.col(c).cast(t) for c, t in FEEDBACK_COLUMNS.items()]),
        sources=["example"],
        rows_read=n,
    )


def example_referral(**overrides) -> Referral:
    """A complete, strengths-based referral for a 15-year-old from Lewisham who must avoid the M25."""
    doc = {
        "reference": "EXAMPLE-1",
        "council": "Lewisham",
        "child": {"age": 15, "sex": "female"},
        "needs": ["semh", "cse_cce"],
        "risks": [
            {
                "to": "self",
                "description": "goes missing at night",
                "level": "high",
                "what_helps": "a trusted adult to call",
            }
        ],
        "what_i_need_is": "adults who stick with me and help me get back to college",
        "strengths": ["loves football", "good with younger children"],
        "written_with_young_person": True,
        "locations": {
            "home": {"council": "Lewisham"},
            "important": [{"name": "grandmother", "council": "Bromley"}],
            "avoid": [{"name": "bail conditions: not inside the M25", "named": "m25"}],
        },
        "siblings": [],
        "placement_types": {"preferred": ["childrens_home"], "unsuitable": ["secure"]},
        "needed_by": "2026-12-01",
        "urgency": "within_week",
        "staffing_ratio": "2:1",
        "education": "Year 11 at a Lewisham college",
        "health": "CAMHS worker, weekly",
        "other_support": "YOT worker",
        "legal_status": "C2 care order",
        "social_worker": "allocated, visits fortnightly",
        "budget": {"weekly": 5500},
        "referred_on": "2026-11-01",
    }
    doc.update(overrides)
    return parse_referral(doc, "example")
