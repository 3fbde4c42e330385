"""Charts as people read them: identifiers in legends and axes worded, financial years categorical.

Every Plotly figure a report or page shows passes through :func:`worded` once, so no chart module
has to remember the vocabulary, and "2016-17" on an axis is a label, not a date Plotly would put
at 2016 (it reads "2016-17" as year-month and spreads the years over 2005-2012 otherwise).
"""

from __future__ import annotations

import re
from typing import Any

from carecast.outputs.vocabulary import heading, prose, words

FY_LABEL = re.compile(r"^\d{4}-\d{2}$")


def _is_fy_axis(values: Any) -> bool:
    if values is None or isinstance(values, str):
        return False
    vals = [v for v in list(values) if v is not None]
    return bool(vals) and all(isinstance(v, str) and FY_LABEL.match(v) for v in vals)


def _worded_values(values: Any) -> Any:
    if values is None or isinstance(values, str):
        return values
    vals = list(values)
    if vals and all(isinstance(v, str) for v in vals):
        return [words(v) for v in vals]
    return values


def worded(fig: Any) -> Any:
    """``fig`` with trace names, categorical axis values and axis titles in words; FY axes categorical."""
    if not hasattr(fig, "data"):
        return fig
    for trace in fig.data:
        if getattr(trace, "name", None):
            trace.name = prose(words(trace.name))
        for axis in ("x", "y"):
            values = getattr(trace, axis, None)
            if _is_fy_axis(values):
                ref = getattr(trace, f"{axis}axis", None) or axis
                name = ref.replace("x", "xaxis").replace("y", "yaxis")
                fig.layout[name].type = "category"
            elif values is not None and hasattr(trace, axis):
                setattr(trace, axis, _worded_values(values))
        if getattr(trace, "labels", None) is not None:
            trace.labels = _worded_values(trace.labels)
    if fig.layout.title and fig.layout.title.text:
        fig.layout.title.text = prose(fig.layout.title.text)
    for name in fig.layout:
        if name.startswith(("xaxis", "yaxis")):
            title = fig.layout[name].title
            if title is not None and title.text and re.fullmatch(r"[a-z0-9_]+", title.text):
                title.text = heading(title.text)
    if fig.layout.legend and fig.layout.legend.title and fig.layout.legend.title.text:
        text = fig.layout.legend.title.text
        if re.fullmatch(r"[a-z0-9_]+", text):
            fig.layout.legend.title.text = heading(text)
    return fig
