"""Reference data: SSDA903 tables and codes, placement categories, councils, age bands, years.

Everything here is data shipped in ``schema/data`` (YAML/CSV) and read once; code elsewhere asks
this package rather than writing codes or council names as literals.
"""

from carecast.schema.categories import PlacementCategories, age_band_expr, load_categories
from carecast.schema.councils import Council, councils, find_council
from carecast.schema.tables import CHILDREN_COLUMNS, EPISODE_COLUMNS, conform
from carecast.schema.years import (
    collection_year_bounds,
    collection_year_of,
    financial_year_bounds,
    financial_year_label,
    financial_year_of,
)

__all__ = [
    "CHILDREN_COLUMNS",
    "EPISODE_COLUMNS",
    "Council",
    "PlacementCategories",
    "age_band_expr",
    "collection_year_bounds",
    "collection_year_of",
    "conform",
    "councils",
    "financial_year_bounds",
    "financial_year_label",
    "financial_year_of",
    "find_council",
    "load_categories",
]
