"""Matching a referral to the directory: hard filters first, then a transparent score.

Hard filters (each named, each explained for every home it excludes):

* ``type`` — the home's type is one of the referral's preferred types (all types when none are
  preferred) and not one it calls unsuitable;
* ``age`` — the child's age is inside the home's age range;
* ``sex`` — a single-sex home accepts the child's sex;
* ``needs_registered`` — the home accepts every need in the referral;
* ``exclusion_zone`` — the home is not inside any place the child must avoid;
* ``vacancy`` — the home has enough places for the child and any siblings who are to live with
  them, and is not known to be short of free places on the date needed (fewer free than needed
  and no place expected by then); a home that has not reported vacancies passes, flagged
  "vacancy not reported";
* ``same_day`` — for a same-day referral, the home has not said it cannot take same-day admissions;
* ``staffing_ratio`` — the home can staff the ratio the referral needs;
* ``education_on_site`` — when the referral needs it, the home has not said it has none;
* ``rating`` — the home's Ofsted judgement is not one excluded by the settings (inadequate).

Only facts the directory states exclude a home; unknowns pass and are flagged, so a thin
directory produces questions, not silent gaps. The score of each remaining home is the weighted
mean of five parts, each 0-1 (see ``data/matching.yaml``), and every part and its weight is
shown in the shortlist. Everything is vectorised over homes (Polars/NumPy).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from carecast.errors import InputError
from carecast.market.directory import Directory
from carecast.market.geo import named_zone, points_in_polygon
from carecast.market.referral import Place, Referral, Zone, completeness
from carecast.market.settings import PARTS, MatchSettings, load_settings
from carecast.market.vocab import vocabulary
from carecast.plumbing.geo import Point, PostcodeDirectory, distance_miles
from carecast.schema import find_council

FILTERS: dict[str, str] = {
    "type": "placement type preferred and not unsuitable",
    "age": "child's age inside the home's age range",
    "sex": "home accepts the child's sex",
    "needs_registered": "home accepts every need in the referral",
    "exclusion_zone": "home outside every place the child must avoid",
    "vacancy": "enough places free by the date needed (with siblings to live together)",
    "same_day": "takes same-day admissions when needed",
    "staffing_ratio": "can staff the ratio needed",
    "education_on_site": "education on site when needed",
    "rating": "Ofsted judgement not excluded",
}


@dataclass
class MatchResult:
    """The outcome of :func:`match`.

    ``shortlist``: eligible homes, best first, with each part's score (``s_<part>``, 0-1) and its
    points (``pts_<part>``; they add up to ``score`` out of 100). ``excluded``: every other home
    with the filters it failed (``excluded_by``) and why (``reasons``). ``filters``: how many
    homes each filter excluded. ``weights``: the weight each part carried (after dropping parts
    that do not apply to this referral).
    """

    referral: Referral
    shortlist: pl.DataFrame
    excluded: pl.DataFrame
    filters: pl.DataFrame
    weights: dict[str, float]
    settings: MatchSettings
    notes: list[str] = field(default_factory=list)
    homes_considered: int = 0

    @property
    def questions(self) -> list[dict]:
        return completeness(self.referral)


def _locate(
    place: Place, lookup: PostcodeDirectory | None, referral: Referral, what: str, notes: list[str]
) -> tuple[float, float]:
    """Coordinates of a referral's place: given lat/lon, else its postcode, else a council's centre (noted)."""
    if place.lat is not None and place.lon is not None:
        return place.lat, place.lon
    hit = lookup.point(place.postcode) if place.postcode and lookup is not None else None
    if hit is not None:
        return hit
    council = find_council(place.council or referral.council)
    if place.postcode:
        why = (
            "is not in the postcode lookup"
            if lookup is not None
            else "cannot be located without --postcodes"
        )
        whose = "its council" if place.council else "the placing council"
        notes.append(
            f"{what}: postcode {place.postcode} {why}; used the centre of {whose}, {council.name}"
        )
    return council.lat, council.lon


def _zone_mask(
    zone: Zone, homes: pl.DataFrame, lat: np.ndarray, lon: np.ndarray, lookup, referral, notes
) -> np.ndarray:
    if zone.named:
        spec = named_zone(zone.named)
        if "polygon" in spec:
            return points_in_polygon(lat, lon, [tuple(v) for v in spec["polygon"]])
        c = spec["centre"]
        return distance_miles(Point(lat, lon), Point(c[0], c[1])) <= spec["radius_miles"]
    if zone.councils:
        return homes.get_column("host_council").is_in(zone.councils).fill_null(False).to_numpy()
    clat, clon = _locate(zone.centre, lookup, referral, f"zone '{zone.name}'", notes)
    return distance_miles(Point(lat, lon), Point(clat, clon)) <= zone.radius_miles


def _track_record(
    directory: Directory, referral: Referral, settings: MatchSettings
) -> pl.DataFrame:
    """Per URN: feedback with similar children (same needs) if any, else overall, shrunk to the prior."""
    k, m = settings.track_record_prior["strength"], settings.track_record_prior["mean"]
    fb = directory.feedback
    sums = [pl.col(c).sum() for c in ("placements_made", "good_outcomes", "breakdowns")]
    similar = (
        fb.filter(pl.col("need").is_in(referral.needs)).group_by("urn").agg(*sums)
        if referral.needs
        else fb.clear().select("urn", "placements_made", "good_outcomes", "breakdowns")
    )
    overall = fb.filter(pl.col("need") == "any").group_by("urn").agg(*sums)
    both = pl.concat(
        [
            similar.with_columns(pl.lit("similar children").alias("track_basis")),
            overall.filter(~pl.col("urn").is_in(similar["urn"].to_list())).with_columns(
                pl.lit("all children").alias("track_basis")
            ),
        ],
        how="vertical_relaxed",
    )
    n = pl.col("placements_made").cast(pl.Float64)
    stable = (n - pl.col("breakdowns").fill_null(0) + k * m) / (n + k)
    good = (
        pl.when(pl.col("good_outcomes").is_not_null())
        .then((pl.col("good_outcomes") + k * m) / (n + k))
        .otherwise(stable)
    )
    return both.select(
        "urn",
        pl.col("placements_made").alias("track_placements"),
        pl.col("breakdowns").alias("track_breakdowns"),
        "track_basis",
        ((stable + good) / 2).alias("s_track_record"),
    )


def match(
    referral: Referral,
    directory: Directory,
    *,
    weights: str | dict | MatchSettings | None = None,
    postcodes: PostcodeDirectory | None = None,
    on: dt.date | None = None,
) -> MatchResult:
    """Rank the directory's homes for ``referral``: hard filters, then the weighted score.

    ``weights`` overrides the defaults in ``data/matching.yaml`` (a dict or YAML path, or
    :class:`MatchSettings`); ``postcodes`` locates the referral's postcodes; ``on`` is the date
    of the search (default: the referral's ``referred_on``, else today).
    """
    settings = weights if isinstance(weights, MatchSettings) else load_settings(weights)
    postcodes = postcodes or directory.postcodes
    voc = vocabulary()
    homes = directory.homes
    if homes.height == 0:
        raise InputError(
            "the directory has no homes to match against",
            fix="import a directory first (carecast directory import)",
        )
    today = on or referral.referred_on or dt.date.today()
    notes: list[str] = []
    lat, lon = homes.get_column("lat").to_numpy(), homes.get_column("lon").to_numpy()
    has_loc = np.isfinite(lat) & np.isfinite(lon)
    lat, lon = np.where(has_loc, lat, 0.0), np.where(has_loc, lon, 0.0)

    # ---- hard filters: one boolean "fails" column per filter, plus the reason text
    allowed = referral.placement_types.preferred or voc.types.ids
    allowed = [t for t in allowed if t not in referral.placement_types.unsuitable]
    age = int(np.floor(referral.child.age))
    fails: dict[str, pl.Expr] = {}
    why: dict[str, pl.Expr] = {}
    fails["type"] = ~pl.col("type").is_in(allowed)
    why["type"] = pl.format(
        "type {} is not among {}", pl.col("type"), pl.lit(", ".join(allowed) or "(none)")
    )
    fails["age"] = (pl.col("age_min").fill_null(0) > age) | (pl.col("age_max").fill_null(99) < age)
    why["age"] = pl.format(
        "takes ages {}-{}, child is {}",
        pl.col("age_min").cast(pl.Utf8).fill_null("0"),
        pl.col("age_max").cast(pl.Utf8).fill_null("any"),
        pl.lit(age),
    )
    fails["sex"] = ~pl.col("sexes").fill_null("any").is_in(["any", referral.child.sex])
    why["sex"] = pl.format("takes {} only", pl.col("sexes"))
    missing_needs = [
        pl.when(~pl.col("needs").list.contains(n)).then(pl.lit(n)) for n in referral.needs
    ]
    fails["needs_registered"] = (
        pl.any_horizontal([~pl.col("needs").list.contains(n) for n in referral.needs])
        if referral.needs
        else pl.lit(False)
    )
    why["needs_registered"] = (
        (
            pl.lit("does not accept ")
            + pl.concat_str(missing_needs, separator=", ", ignore_nulls=True)
        )
        if referral.needs
        else pl.lit("")
    )
    zone_cols, zone_names = [], []
    for i, zone in enumerate(referral.locations.avoid):
        zone_cols.append(
            pl.Series(
                f"__zone{i}",
                _zone_mask(zone, homes, lat, lon, postcodes, referral, notes) & has_loc,
            )
        )
        zone_names.append(zone.name)
    fails["exclusion_zone"] = (
        pl.any_horizontal([pl.col(s.name) for s in zone_cols]) if zone_cols else pl.lit(False)
    )
    why["exclusion_zone"] = (
        (
            pl.lit("inside ")
            + pl.concat_str(
                [
                    pl.when(pl.col(s.name)).then(pl.lit(f"'{n}'"))
                    for s, n in zip(zone_cols, zone_names, strict=True)
                ],
                separator=" and ",
                ignore_nulls=True,
            )
        )
        if zone_cols
        else pl.lit("")
    )
    need = referral.places_needed
    fails["vacancy"] = (pl.col("places") < need) | (
        (pl.col("vacancies") < need)
        & (
            pl.col("next_vacancy_date").is_null()
            | (pl.col("next_vacancy_date") > referral.needed_by)
        )
    )
    why["vacancy"] = (
        pl.when(pl.col("places") < need)
        .then(
            pl.format(
                "has {} places, {} needed (siblings together)", pl.col("places"), pl.lit(need)
            )
        )
        .when(pl.col("next_vacancy_date").is_null())
        .then(pl.format("{} free now, {} needed, none expected", pl.col("vacancies"), pl.lit(need)))
        .otherwise(
            pl.format(
                "{} free now, {} needed; next place free {}, needed by {}",
                pl.col("vacancies"),
                pl.lit(need),
                pl.col("next_vacancy_date"),
                pl.lit(str(referral.needed_by)),
            )
        )
    )
    fails["same_day"] = (
        pl.lit(referral.urgency == "same_day") & pl.col("same_day_admissions").not_()
    )
    why["same_day"] = pl.lit("does not take same-day admissions")
    need_ratio = referral.required_ratio
    fails["staffing_ratio"] = (
        (pl.col("max_staffing_ratio") < need_ratio) if need_ratio else pl.lit(False)
    )
    why["staffing_ratio"] = pl.format(
        "can staff up to {}:1, referral needs {}",
        pl.col("max_staffing_ratio"),
        pl.lit(referral.staffing_ratio or ""),
    )
    fails["education_on_site"] = (
        pl.lit(referral.education_on_site) & pl.col("education_on_site").not_()
    )
    why["education_on_site"] = pl.lit("no education on site")
    fails["rating"] = pl.col("ofsted_rating").is_in(list(settings.excluded_ratings))
    why["rating"] = pl.format("Ofsted judgement {}", pl.col("ofsted_rating"))

    work = homes.with_columns(*zone_cols) if zone_cols else homes
    work = work.with_columns([e.fill_null(False).alias(f"__fail_{k}") for k, e in fails.items()])
    fail_cols = [f"__fail_{k}" for k in FILTERS]
    work = work.with_columns(
        pl.any_horizontal(fail_cols).alias("__excluded"),
        pl.concat_str(
            [pl.when(pl.col(f"__fail_{k}")).then(pl.lit(k)) for k in FILTERS],
            separator=";",
            ignore_nulls=True,
        ).alias("excluded_by"),
        pl.concat_str(
            [
                pl.when(pl.col(f"__fail_{k}")).then(
                    pl.lit(f"{k}: ") + why[k].fill_null("see the directory row")
                )
                for k in FILTERS
            ],
            separator="; ",
            ignore_nulls=True,
        ).alias("reasons"),
    )
    counts = work.select(
        [pl.col(c).sum().alias(k) for k, c in zip(FILTERS, fail_cols, strict=True)]
    ).row(0, named=True)
    cum = work.select(
        [pl.any_horizontal(fail_cols[: i + 1]).not_().sum().alias(k) for i, k in enumerate(FILTERS)]
    ).row(0, named=True)
    filters = pl.DataFrame(
        {
            "filter": list(FILTERS),
            "rule": list(FILTERS.values()),
            "homes_failing": [int(counts[k]) for k in FILTERS],
            "homes_left_after": [int(cum[k]) for k in FILTERS],
        }
    )

    # ---- score parts (0-1, higher is better), vectorised
    h = settings.distance_half_life_miles
    hlat, hlon = _locate(referral.locations.home, postcodes, referral, "home", notes)
    d_home = distance_miles(Point(lat, lon), Point(hlat, hlon))
    imp = [
        _locate(
            p, postcodes, referral, f"important place '{p.name or p.postcode or p.council}'", notes
        )
        for p in referral.locations.important
    ]
    d_imp = (
        np.mean([distance_miles(Point(lat, lon), Point(a, b)) for a, b in imp], axis=0)
        if imp
        else np.full(lat.shape, np.nan)
    )
    work = work.with_columns(
        pl.Series("distance_home_miles", np.where(has_loc, d_home, np.nan)),
        pl.Series("distance_important_miles", np.where(has_loc, d_imp, np.nan)),
    )
    work = work.join(
        _track_record(directory, referral, settings), on="urn", how="left", maintain_order="left"
    )
    price = pl.coalesce(
        (pl.col("price_min_weekly") + pl.col("price_max_weekly")) / 2,
        "price_min_weekly",
        "price_max_weekly",
    )
    work = work.with_columns(price.alias("price_weekly"))
    eligible_prices = work.filter(~pl.col("__excluded")).get_column("price_weekly").drop_nulls()
    budget = (
        referral.budget.weekly
        if referral.budget
        else (float(eligible_prices.median()) if eligible_prices.len() else None)
    )
    if not referral.budget:
        notes.append(
            "no budget in the referral: price is scored against the median price of the eligible homes"
            + (f" (£{budget:,.0f} a week)" if budget else "")
        )
    lo, hi = settings.price_ratio_full_score, settings.price_ratio_zero_score
    rscore = settings.rating_scores
    work = work.with_columns(
        (0.5 ** (pl.col("distance_home_miles") / h))
        .fill_nan(None)
        .fill_null(0.0)
        .alias("s_distance_home"),
        (0.5 ** (pl.col("distance_important_miles") / h))
        .fill_nan(None)
        .fill_null(0.0)
        .alias("s_distance_important_places"),
        pl.col("ofsted_rating")
        .replace_strict(
            rscore, default=rscore.get("not_yet_inspected", 0.5), return_dtype=pl.Float64
        )
        .alias("s_rating"),
        pl.col("s_track_record").fill_null(settings.track_record_prior["mean"]),
        (
            ((hi - pl.col("price_weekly") / budget) / (hi - lo)).clip(0.0, 1.0)
            if budget
            else pl.lit(None, pl.Float64)
        )
        .fill_null(0.5)
        .alias("s_price"),
    )
    used = dict(settings.weights)
    if not imp:
        used["distance_important_places"] = 0.0
        notes.append(
            "no important places besides home: the 'distance_important_places' part carries no weight"
        )
    total_w = sum(used.values())
    norm = {p: used[p] / total_w for p in PARTS}
    work = work.with_columns([(pl.col(f"s_{p}") * norm[p] * 100).alias(f"pts_{p}") for p in PARTS])
    work = work.with_columns(pl.sum_horizontal([f"pts_{p}" for p in PARTS]).alias("score"))

    stale = settings.vacancy_stale_after_days
    vac_note = (
        pl.when(pl.col("vacancies").is_null())
        .then(pl.lit("vacancy not reported: ask"))
        .when(pl.col("vacancies") == 0)
        .then(pl.format("full now; place expected {}", pl.col("next_vacancy_date")))
        .when(pl.col("vacancies_reported").is_null())
        .then(pl.lit("vacancy date not reported: check"))
        .when((pl.lit(today) - pl.col("vacancies_reported")).dt.total_days() > stale)
        .then(
            pl.format(
                "reported {} days ago: check",
                (pl.lit(today) - pl.col("vacancies_reported")).dt.total_days(),
            )
        )
        .otherwise(pl.lit("current"))
    )
    shortlist = (
        work.filter(~pl.col("__excluded"))
        .sort(["score", "distance_home_miles", "urn"], descending=[True, False, False])
        .with_row_index("rank", offset=1)
        .select(
            "rank",
            "urn",
            "name",
            "provider",
            "type",
            "host_council",
            "score",
            pl.col("distance_home_miles").round(1),
            pl.col("distance_important_miles").round(1),
            "ofsted_rating",
            "price_weekly",
            "vacancies",
            vac_note.alias("vacancy_note"),
            "track_placements",
            "track_breakdowns",
            "track_basis",
            "location_source",
            *[pl.col(f"s_{p}").round(3) for p in PARTS],
            *[pl.col(f"pts_{p}").round(1) for p in PARTS],
        )
        .with_columns(pl.col("score").round(1), pl.col("rank").cast(pl.Int32))
    )
    excluded = (
        work.filter(pl.col("__excluded"))
        .select("urn", "name", "type", "host_council", "excluded_by", "reasons")
        .sort("urn")
    )
    return MatchResult(
        referral,
        shortlist,
        excluded,
        filters,
        {p: round(norm[p], 4) for p in PARTS},
        settings,
        list(dict.fromkeys(notes)),
        homes.height,
    )
