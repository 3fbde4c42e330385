"""Calendar constants every capability shares, each defined once with its convention.

``DAYS_PER_YEAR`` was defined five times and ``365.25`` written out in a dozen more places; the
budget what-ifs counted a year as 52 weeks while costing priced each day at weekly ÷ 7, so the
same placement cost 0.35% less in a what-if than in the projection. One convention now:

* a year is the mean calendar year, 365.25 days (the Julian year: leap years included on
  average), used to turn day counts into years (ages, exposure, horizons);
* a week is 7 days and costs accrue per day at weekly cost ÷ 7 (costing, monitoring); so a
  "year of placement" in a what-if is ``DAYS_PER_YEAR / DAYS_PER_WEEK`` = 52.18 weeks, the same
  as costing a child for an average year day by day.

Ages are not derived from these: a child's 18th birthday is a calendar date
(:func:`carecast.forecast.ages.birthday_expr`), and the leaving age comes from the forecast's
``model.yaml`` (:func:`leaving_age`).
"""

from __future__ import annotations

DAYS_PER_YEAR = 365.25
DAYS_PER_WEEK = 7
WEEKS_PER_YEAR = DAYS_PER_YEAR / DAYS_PER_WEEK
MONTHS_PER_YEAR = 12
DAYS_PER_MONTH = DAYS_PER_YEAR / MONTHS_PER_YEAR


def leaving_age() -> int:
    """The birthday on which a child leaves care (18): ``leaving_age`` in the forecast's
    ``model.yaml``, read through the parameter tree."""
    from carecast.parameters import shipped

    return int(shipped("carecast.forecast", "model.yaml").value("leaving_age"))
