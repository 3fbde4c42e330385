"""The rule implementations, one module per 903 table family; importing registers them."""

from carecast.dferules.rules import (  # noqa: F401
    adoption,
    changed_codes,
    child_age,
    episodes,
    header,
    missing,
    oc2,
    oc3,
    periods,
    placement_area,
    presence,
    previous_year,
    reviews_permanence,
    social_workers,
)
