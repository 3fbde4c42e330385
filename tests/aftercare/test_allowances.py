"""Allowance cohorts on hand-made cases: payments by age and date, end ages, joiners and leavers."""

import datetime as dt

import numpy as np
import pytest

from carecast.aftercare.allowances import cohort_from_file, project_allowances
from carecast.aftercare.cohort import Members
from carecast.aftercare.policy import KINDS, load_policy, policy_from_tree
from carecast.errors import InputError, ParameterError
from carecast.forecast.ages import birthdays
from carecast.parameters import parse_text

WEEKS = np.datetime64("2018-04-01") + 7 * np.arange(5 * 52 + 1)


def _policy(**changes):
    """The shipped policy with some values replaced (dotted path -> value)."""
    policy = load_policy()
    return policy_from_tree(policy.tree.with_values(changes, "test"))


def _members(rows, n_sims=1):
    """rows: (kind, dob, start, end[, weekly]) with ISO dates, in every simulation."""
    k = np.asarray([KINDS.index(r[0]) for r in rows])
    day = lambda i: np.asarray([r[i] for r in rows], dtype="datetime64[D]")  # noqa: E731
    weekly = np.asarray([r[4] if len(r) > 4 else np.nan for r in rows], float)
    n = len(rows)
    return Members(
        np.repeat(np.arange(n_sims), n),
        np.tile(k, n_sims),
        np.tile(day(1), n_sims),
        np.tile(day(2), n_sims),
        np.tile(day(3), n_sims),
        np.tile(weekly, n_sims),
    )


def _naive_cost(policy, kind, dob, start, end, weekly=np.nan):
    """Reference: walk the week dates one by one, paying the week's rate for the age that day."""
    rates = policy.rates.on(WEEKS)
    by_fy = {}
    bday = birthdays(np.asarray([dob], "datetime64[D]"), np.arange(27))[0]
    for w, d in enumerate(WEEKS):
        if not np.datetime64(start) <= d < np.datetime64(end):
            continue
        age = int((bday <= d).sum()) - 1
        pay = weekly if not np.isnan(weekly) else rates[w, age] * policy.of(kind).rate_share
        for day in range(7):
            when = (d + np.timedelta64(day, "D")).astype(dt.date)
            fy = when.year - (when.month < 4)
            by_fy[fy] = by_fy.get(fy, 0.0) + pay / 7
    return by_fy


def test_a_16_year_old_is_paid_the_16_17_rate_to_the_18th_birthday():
    """Born 1/10/2001, paid from 1/4/2018: 365 days at £222 a week in 2018-19 (the week from 31
    March 2019 counts 1 day there and 6 in 2019-20), then £222 uprated 2% to the birthday."""
    policy = _policy(**{"special_guardianship.rate_share": 1.0})
    m = _members([("special_guardianship", "2001-10-01", "2018-04-01", "2019-10-01")])
    p = project_allowances(m, policy, 1, WEEKS)
    assert p.financial_years[:2] == (2018, 2019)
    assert p.cost[0, 0, 0] == pytest.approx(365 / 7 * 222)
    weeks_2019 = int(
        ((WEEKS >= np.datetime64("2019-04-01")) & (WEEKS < np.datetime64("2019-10-01"))).sum()
    )
    assert p.cost[0, 0, 1] == pytest.approx(6 / 7 * 222 + weeks_2019 * 222 * 1.02)
    assert p.leavers[0, 0].tolist()[:2] == [0, 1]
    assert p.cohort_at_year_end[0, 0].tolist()[:2] == [1, 0]


def test_costs_match_a_week_by_week_walk_for_mixed_ages_kinds_and_own_amounts():
    policy = load_policy()
    rows = [
        ("special_guardianship", "2012-06-15", "2018-09-03", "2030-06-15"),
        ("adoption", "2003-02-28", "2018-04-01", "2022-02-28"),
        ("child_arrangements", "2016-01-01", "2019-11-20", "2034-01-01"),
        ("special_guardianship", "2010-03-31", "2018-04-01", "2028-03-31", 95.5),
    ]
    p = project_allowances(_members(rows), policy, 1, WEEKS)
    for r in rows:
        k = KINDS.index(r[0])
        expected = _naive_cost(policy, r[0], r[1], r[2], r[3], r[4] if len(r) > 4 else np.nan)
        for f, fy in enumerate(p.financial_years):
            same_kind = [q for q in rows if q[0] == r[0]]
            if len(same_kind) == 1:
                assert p.cost[0, k, f] == pytest.approx(expected.get(fy, 0.0)), (r, fy)
    sgo = [r for r in rows if r[0] == "special_guardianship"]
    for f, fy in enumerate(p.financial_years):
        want = sum(
            _naive_cost(policy, *q[:4], q[4] if len(q) > 4 else np.nan).get(fy, 0.0) for q in sgo
        )
        assert p.cost[0, 0, f] == pytest.approx(want)


def test_rates_change_on_their_dates():
    """Born 1/1/2010 (aged 8): paid £165 a week in 2017-18 and £168 from 1 April 2018."""
    policy = _policy(**{"adoption.rate_share": 1.0})
    weeks = np.datetime64("2018-03-18") + 7 * np.arange(4)  # 18/3, 25/3, 1/4, 8/4
    m = _members([("adoption", "2010-01-01", "2018-01-01", "2028-01-01")])
    p = project_allowances(m, policy, 1, weeks)
    assert p.financial_years == (2017, 2018)
    assert p.cost[0, 1].tolist() == pytest.approx([2 * 165, 2 * 168])  # the week of 25/3 ends 31/3
    assert p.complete == (False, False)


def test_a_young_cohort_with_more_joiners_than_leavers_grows_every_year_against_lewisham_2018():
    """Lewisham 2018 §11.2: 'the profile of children on SGOs are mostly in the younger age groups,
    the number of joiners is greater than the number of leavers and hence the cost continues to
    grow each year'. Constructed: 60 children aged 1-9 on 1/4/2018 and 25 joiners a year aged
    2-6: nobody reaches 18 within five years, so the cohort and its cost rise every year; an old
    cohort (aged 15-17) with the same joiners shrinks at first, so the growth is the mechanism."""
    policy = load_policy()
    rng = np.random.default_rng(4)
    start = np.datetime64("2018-04-01")

    def cohort(lo_age, hi_age, n):
        dob = start - (rng.uniform(lo_age, hi_age, n) * 365.25).astype("timedelta64[D]")
        return [
            (
                "special_guardianship",
                str(d),
                "2017-06-01",
                str(birthdays(np.asarray([d]), [18])[0, 0]),
            )
            for d in dob
        ]

    joined = start + np.sort(rng.integers(0, 5 * 365, 125)).astype("timedelta64[D]")
    joiners = [
        (
            "special_guardianship",
            str(j - np.timedelta64(int(rng.uniform(2, 6) * 365.25), "D")),
            str(j),
            None,
        )
        for j in joined
    ]
    joiners = [
        (k, d, s, str(birthdays(np.asarray([d], "datetime64[D]"), [18])[0, 0]))
        for k, d, s, _ in joiners
    ]

    young = project_allowances(_members(cohort(1, 9, 60) + joiners), policy, 1, WEEKS)
    size, cost = young.cohort_at_year_end[0, 0, :5], young.cost[0, 0, :5]
    assert np.all(np.diff(size) > 0) and np.all(np.diff(cost) > 0)
    assert young.joiners[0, 0, :5].sum() == 125 and young.leavers[0, 0, :5].sum() == 0

    old = project_allowances(_members(cohort(15, 17, 60) + joiners), policy, 1, WEEKS)
    assert old.cohort_at_year_end[0, 0, 1] < old.cohort_at_year_end[0, 0, 0] + 25
    assert old.leavers[0, 0, :2].sum() > 25


def test_policy_missing_a_rate_for_an_age_someone_is_paid_at_is_refused(tmp_path):
    """Half of special guardianship children stay in education to 20, so ages 18-19 need a rate."""
    from importlib import resources

    text = resources.files("carecast.aftercare").joinpath("data/allowances.yaml").read_text("utf-8")
    f = tmp_path / "policy.yaml"
    f.write_text(text.replace(', "18-20": 222}', "}"))
    with pytest.raises(ParameterError) as err:
        load_policy(f)
    msg = err.value.render()
    assert (
        "age 18" in msg
        and "policy.yaml" in msg
        and "weekly_rates.2018-04-01" in msg
        and "add a band" in msg
    )


def test_policy_share_over_one_is_refused_with_the_field():
    with pytest.raises(ParameterError) as err:
        _policy(**{"adoption.take_up": 25})
    assert "adoption.take_up" in err.value.render() and "0.5" in err.value.render()


def test_template_policy_parses_and_cites_every_value():
    tree = load_policy().tree
    for path in tree:
        assert tree[path].references or any(v.reference for v in tree[path].values), path
        assert tree[path].label and tree[path].unit, path
    assert parse_text("weekly_rates: {value: {'0+': 1}}\n", "x.yaml")  # a minimal tree parses


def test_cohort_file_rows_are_checked_with_row_column_and_fix(tmp_path):
    policy = load_policy()
    good = (
        "allowance,dob,start,weekly_amount,in_education\n"
        "Special guardianship,01/02/2012,01/09/2017,,\nadoption,2004-05-06,2015-01-01,120,yes\n"
    )
    f = tmp_path / "cohort.csv"
    f.write_text(good)
    members, summary = cohort_from_file(f, policy, dt.date(2018, 4, 1), 3, np.random.default_rng(0))
    assert members.size == 6 and summary.get_column("rows_in_file").to_list() == [1, 1, 0]
    adopted = members.kind == 1
    assert np.all(members.end[adopted] == np.datetime64("2024-05-06"))  # in education: paid to 20
    assert np.all(members.weekly[adopted] == 120)
    for bad, column in [
        ("Kinship,01/02/2012,01/09/2017,,\n", "allowance"),
        ("adoption,31/02/2012,01/09/2017,,\n", "dob"),
        ("adoption,01/02/2012,01/09/2017,-5,\n", "weekly_amount"),
        ("adoption,01/02/2012,01/09/2017,,maybe\n", "in_education"),
    ]:
        f.write_text(good + bad)
        with pytest.raises(InputError) as err:
            cohort_from_file(f, policy, dt.date(2018, 4, 1), 1, np.random.default_rng(0))
        msg = err.value.render()
        assert "row 4" in msg and column in msg and "cohort.csv" in msg, msg
