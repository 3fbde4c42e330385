"""Small hand-made budget inputs shared by the budget tests."""

import datetime as dt

import pytest
import yaml

from carecast.costs.unit_costs import default_unit_costs

from .budget_fixtures import ALL_GROUPS


@pytest.fixture
def flat_costs():
    return default_unit_costs().with_weekly(
        {g: 700 for g in ALL_GROUPS}, dt.date(2000, 4, 1), inflation=0.0
    )


@pytest.fixture
def lewisham_plan_file(tmp_path):
    doc = {
        "council": "Lewisham",
        "financial_year": "2018-19",
        "units": "millions",
        "stated_total": 41.6,
        "lines": {
            "staffing": {"label": "Staffing", "budget": 10.5},
            "placements": {
                "label": "Children's placements",
                "budget": 22.6,
                "cost_groups": ALL_GROUPS,
            },
            "specialist_support": {"label": "Specialist Support", "budget": 1.3},
            "other_support": {"label": "Other Support", "budget": 3.0},
            "other_costs": {"label": "Other Costs", "budget": 4.0},
        },
    }
    p = tmp_path / "budget.yaml"
    p.write_text(yaml.safe_dump(doc, sort_keys=False))
    return p
