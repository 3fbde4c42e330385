"""Referral profiles: validation naming every bad field, and the completeness check."""

import pytest
import yaml

from carecast.errors import InputError
from carecast.market.examples import example_referral
from carecast.market.referral import completeness, load_referral, parse_referral

MINIMAL = {
    "council": "Lewisham",
    "child": {"age": 14, "sex": "male"},
    "needs": ["SEMH"],
    "locations": {"home": {"postcode": "SE6 4RU"}},
    "needed_by": "2026-12-01",
    "urgency": "planned",
}


def test_minimal_referral_is_valid_and_normalised():
    r = parse_referral(MINIMAL)
    assert (
        r.needs == ["semh"]
        and r.urgency == "planned"
        and r.council == "Lewisham"
        and r.need_profile == "semh"
    )


def test_missing_required_fields_are_all_named():
    doc = {k: v for k, v in MINIMAL.items() if k not in ("council", "needed_by")}
    doc["child"] = {"age": 14}
    with pytest.raises(InputError) as info:
        parse_referral(doc, "r.yaml")
    text = info.value.render()
    for field in (
        "council: required field is missing",
        "needed_by: required field is missing",
        "child.sex: required field is missing",
    ):
        assert field in text
    assert "file r.yaml" in text and "What to do" in text


@pytest.mark.parametrize(
    "change,expected",
    [
        ({"needs": ["telepathy"]}, "needs: 'telepathy' is not a known need"),
        ({"council": "Atlantis"}, "'Atlantis' is not a council"),
        ({"urgency": "whenever"}, "'whenever' is not a known urgency"),
        ({"staffing_ratio": "lots"}, "not a staff:child ratio"),
        ({"locations": {"home": {}}}, "locations.home: give a postcode, a council, or lat and lon"),
        (
            {
                "locations": {
                    "home": {"council": "Lewisham"},
                    "avoid": [{"name": "x", "named": "moon"}],
                }
            },
            "no named zone 'moon'",
        ),
        (
            {
                "locations": {
                    "home": {"council": "Lewisham"},
                    "avoid": [{"name": "x", "centre": {"council": "Kent"}}],
                }
            },
            "needs radius_miles",
        ),
        ({"child": {"age": 19, "sex": "male"}}, "child.age"),
        ({"favourite_colour": "blue"}, "favourite_colour: not a referral field"),
        ({"placement_types": {"unsuitable": ["boarding school"]}}, "not a known type"),
    ],
)
def test_bad_fields_get_clear_messages(change, expected):
    with pytest.raises(InputError) as info:
        parse_referral({**MINIMAL, **change})
    assert expected in info.value.render()


def test_completeness_lists_what_a_provider_would_ask_and_shrinks_as_answered():
    thin = parse_referral(
        {
            **MINIMAL,
            "risks": [{"to": "others", "description": "fights when cornered", "level": "high"}],
        }
    )
    asks = {g["field"] for g in completeness(thin)}
    assert {
        "what_i_need_is",
        "strengths",
        "risks.what_helps",
        "staffing_ratio",
        "health",
        "other_support",
        "budget",
    } <= asks
    full = example_referral()
    assert completeness(full) == []
    assert [g["field"] for g in completeness(example_referral(budget=None))] == ["budget"]


def test_cli_check_and_bad_referral_exit_code(tmp_path, cli):
    good = tmp_path / "r.yaml"
    good.write_text(yaml.safe_dump(MINIMAL))
    code, out, _ = cli("referral", "check", good)
    assert code == 0 and "what_i_need_is" in out and "strengths" in out
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump({k: v for k, v in MINIMAL.items() if k != "urgency"}))
    code, _, err = cli("referral", "check", bad)
    assert code == 2 and "urgency: required field is missing" in err and "Traceback" not in err
    (tmp_path / "broken.json").write_text("{not json")
    code, _, err = cli("referral", "check", tmp_path / "broken.json")
    assert code == 2 and "not valid JSON" in err


def test_json_referral_loads(tmp_path):
    import json

    p = tmp_path / "r.json"
    p.write_text(json.dumps(MINIMAL))
    assert load_referral(p).child.age == 14


def test_template_is_a_valid_complete_referral(tmp_path, cli):
    out = tmp_path / "r.yaml"
    code, _, _ = cli("referral", "template", "--out", out)
    r = load_referral(out)
    assert code == 0 and completeness(r) == []
    assert [z.named or z.councils or z.radius_miles for z in r.locations.avoid] == [
        "m25",
        3,
        ["Southwark"],
    ]
