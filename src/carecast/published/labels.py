"""Column headings people read in the HTML and Excel reports (the JSON keeps its documented
keys). Money headings say "spend" or "£" and fractions say "share", which is how
:mod:`carecast.outputs.formats` knows to show pounds and percentages."""

from __future__ import annotations

import polars as pl

LABELS = {
    "ons_code": "ONS code",
    "dfe_number": "DfE number",
    "name": "Council",
    "council": "Council",
    "region_code": "Region code",
    "region_name": "Region",
    "region": "Region code",
    "year": "Year ending 31 March",
    "stock": "Children looked after on 31 March",
    "starts": "Children starting to be looked after",
    "ceased": "Children ceasing to be looked after",
    "population": "Children aged 0-17 (ONS)",
    "p5": "5th percentile",
    "p25": "25th percentile",
    "p50": "Median",
    "p75": "75th percentile",
    "p95": "95th percentile",
    "children_looked_after": "Children looked after on 31 March 2024",
    "children_0_17": "Children aged 0-17 (ONS mid-2024)",
    "cla_spend_gbp": "Looked-after net spend (£)",
    "csc_spend_gbp": "Children's social care net spend (£)",
    "cla_per_10000": "Children looked after per 10,000 children",
    "cla_change_pct": "Change in children looked after 2023-2024 (share)",
    "cla_spend_per_child_looked_after": "Looked-after spend per child looked after (£)",
    "cla_spend_per_child_0_17": "Looked-after spend per child aged 0-17 (£)",
    "csc_spend_per_child_0_17": "Children's social care spend per child aged 0-17 (£)",
    "regression": "Regression",
    "n": "Councils (n)",
    "slope": "Slope",
    "intercept": "Intercept",
    "r_squared_share": "R² (share of the variation)",
    "quadrant": "Quadrant",
    "councils": "Councils",
    "horizon": "Years ahead",
    "method": "Method",
    "forecasts": "Forecasts scored",
    "mape_pct": "Mean absolute percentage error (share)",
    "bias_pct": "Bias, + too high (share)",
    "coverage_of_90pct_band": "Share inside the 90% band",
    "coverage_of_50pct_band": "Share inside the 50% band",
    "size": "Council size (children looked after at the origin)",
    "origin": "Origin year",
    "target": "Year forecast",
    "actual": "Published",
    "forecast": "Forecast",
    "key": "Area",
    "outcome": "What happened",
    "rows": "Rows",
    "file": "File",
    "row": "Row",
    "reason": "Why it is missing",
    "figure": "Figure",
    "parameter": "Parameter",
    "estimate": "Estimate",
    "standard_error": "Standard error",
    "area": "Reorganised area",
    "layout": "Column layout",
    "rows_read": "Rows read",
    "predecessors_dfe_numbers": "Predecessors (DfE numbers)",
    "successors_dfe_numbers": "Successors (DfE numbers)",
    "first_year_of_successors": "First year of the successors",
    "how_history_is_kept": "How history is kept",
    "population_source": "Population",
    "share": "Share of the area's stock",
}


def human(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with carecast's column names replaced by headings (unknown ones kept)."""
    return frame.rename({c: LABELS[c] for c in frame.columns if c in LABELS})
