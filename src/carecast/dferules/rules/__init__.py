"""The rule implementations, one module per 903 table family; importing registers them."""

from carecast.dferules.rules import (  # noqa: F401
    child_age,
    episodes,
    header,
    missing,
    periods,
    presence,
    previous_year,
    reviews_permanence,
)
