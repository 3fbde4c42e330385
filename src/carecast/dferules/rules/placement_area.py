"""Rules on the placement council, in/out of area and distance (derived from the postcodes by
``carecast.dferules.places``), and the Ofsted-provider rules, which need lists carecast is not
given yet."""

from __future__ import annotations

import polars as pl

from carecast.dferules import codes
from carecast.dferules.context import Context, NeedsLookup
from carecast.dferules.registry import rule
from carecast.dferules.rules.common import blank, date, flag, given, known
from carecast.dferules.rules.previous_year import carried_over

POSTCODES = "a postcode lookup (ONS postcode directory) to find the placement council and distance"
COUNCIL = "the council's own code, to tell placements in its area from those outside"
PROVIDERS = (
    "Ofsted's children's homes and social care providers lists (URN lookup), which carecast "
    "does not read yet"
)


def episodes_with_places(ctx: Context) -> pl.DataFrame:
    eps = ctx.t("episodes")
    if "PL_LA" not in eps.columns:
        raise NeedsLookup(POSTCODES)
    return eps


def placing_council(ctx: Context) -> str:
    if ctx.council_code is None:
        raise NeedsLookup(COUNCIL)
    return ctx.council_code.upper()


def _distance(column: str = "PL_DISTANCE") -> pl.Expr:
    return pl.col(column).cast(pl.Float64, strict=False)


def _respite() -> pl.Expr:
    return known(pl.col("LS").is_in(codes.RESPITE))


def _uasc_children(ctx: Context) -> pl.Series:
    """Children UASC this year or last (by the header flag)."""
    frames = [ctx.t("header")]
    if ctx.previous is not None and "header" in ctx.previous:
        frames.append(ctx.previous["header"])
    return pl.concat([f.filter(pl.col("UASC") == "1")["CHILD"] for f in frames]).implode()


def _uasc(ctx: Context) -> pl.Expr:
    return known(pl.col("CHILD").is_in(_uasc_children(ctx)))


@rule("164")
def distance_out_of_range(ctx):
    eps = episodes_with_places(ctx)
    far = (_distance() < 0) | (_distance() > 999.9)
    return flag("episodes", eps, ~_uasc(ctx) & far)


@rule("169")
def placement_council_missing(ctx):
    return flag("episodes", episodes_with_places(ctx), ~_respite() & blank("PL_LA"))


@rule("179")
def placement_location_missing(ctx):
    return flag("episodes", episodes_with_places(ctx), ~_respite() & blank("PL_LOCATION"))


@rule("218")
def urn_required(ctx):
    """Placements outside England are exempt; until 2024-25 the DfE tool also exempts those
    whose council is unknown (it reads a missing PL_LA as text starting with N)."""
    eps = episodes_with_places(ctx)
    exempt = known(pl.col("PLACE").is_in(list(codes.urn_exempt_placements(ctx.ruleset_year))))
    if ctx.ruleset_year >= 2026:
        outside = known(pl.col("PL_LA").is_in(["CON", "NIR", "SCO", "WAL", "NUK"]))
    else:
        outside = pl.col("PL_LA").fill_null("NAN").str.contains(r"^[NWSC]")
    current = known(date("DEC") >= ctx.start) | blank("DEC")
    return flag("episodes", eps, current & blank("URN") & ~exempt & ~outside)


@rule("392a")
def distance_missing(ctx):
    eps = episodes_with_places(ctx)
    return flag("episodes", eps, ~_uasc(ctx) & ~_respite() & blank("PL_DISTANCE"))


@rule("392c")
def postcode_not_found(ctx):
    eps = episodes_with_places(ctx)
    home = given("HOME_POST") & (pl.col("HOME_POST_FOUND") != "TRUE")
    place = given("PL_POST") & (pl.col("PL_POST_FOUND") != "TRUE")
    return flag("episodes", eps, home | place)


@rule("406")
def distance_for_uasc(ctx):
    return flag("episodes", episodes_with_places(ctx), _uasc(ctx) & given("PL_DISTANCE"))


@rule("411")
def location_disagrees_withplacing_council(ctx):
    eps, council = episodes_with_places(ctx), placing_council(ctx)
    return flag(
        "episodes", eps, (pl.col("PL_LOCATION") == "IN") & pl.col("PL_LA").ne_missing(council)
    )


@rule("420")
def placement_council_for_respite(ctx):
    return flag("episodes", episodes_with_places(ctx), _respite() & given("PL_LA"))


@rule("1015")
def own_provision_outside_area(ctx):
    """From 2025-26 supported accommodation (K3) is exempt too."""
    eps, council = episodes_with_places(ctx), placing_council(ctx)
    foster_adopt = (*codes.ADOPTION_PLACEMENTS, *codes.FOSTERING_FORMER_CARERS)
    if ctx.ruleset_year >= 2026:
        foster_adopt = (*foster_adopt, "K3")
    checked = (
        ~known(pl.col("PLACE").is_in(list(foster_adopt)))
        & ~_respite()
        & (pl.col("PLACE_PROVIDER") == "PR1")
        & given("LS")
        & given("PLACE")
    )
    return flag("episodes", eps, checked & pl.col("PL_LA").ne_missing(council))


def _carried(ctx: Context) -> pl.DataFrame:
    episodes_with_places(ctx)
    if "PL_LA" not in ctx.last("episodes").columns:
        raise NeedsLookup(POSTCODES)
    return carried_over(ctx)


def _distance_changed() -> pl.Expr:
    now, before = _distance(), _distance("PL_DISTANCE_last")
    return known((now - before).abs() >= 0.2) | (before.is_null() & now.is_not_null())


@rule("452")
def placement_council_changed(ctx):
    m = _carried(ctx)
    same_rne = pl.col("RNE") == pl.col("RNE_last")
    return flag("episodes", m, same_rne & pl.col("PL_LA").ne_missing(pl.col("PL_LA_last")))


@rule("453")
def distance_changed_same_rne(ctx):
    m = _carried(ctx)
    return flag("episodes", m, (pl.col("RNE") == pl.col("RNE_last")) & _distance_changed())


@rule("503G")
def distance_changed(ctx):
    return flag("episodes", _carried(ctx), _distance_changed())


@rule("503H")
def placement_council_differs(ctx):
    m = _carried(ctx)
    return flag("episodes", m, pl.col("PL_LA").ne_missing(pl.col("PL_LA_last")))


@rule("503J")
def placement_location_differs(ctx):
    m = _carried(ctx)
    return flag("episodes", m, pl.col("PL_LOCATION").ne_missing(pl.col("PL_LOCATION_last")))


def _needs_providers(ctx):
    """Not implemented: these rules compare URNs with Ofsted's lists, which carecast has no
    reader for; they are reported unchecked, saying so."""
    raise NeedsLookup(PROVIDERS)


for _code in ("1008", "219", "221", "224", "227", "228", "229"):
    rule(_code)(_needs_providers)
