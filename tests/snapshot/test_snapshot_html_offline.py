"""The HTML report's charts render in a real browser with the network cut off (offline use)."""

from __future__ import annotations

import shutil

import pytest

from carecast.outputs import write_report
from carecast.snapshot import take_snapshot, to_report

from .snapshot_builders import build, register

CHROMIUM = (
    shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
)


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason="no Chromium on this machine")
def test_html_report_renders_offline(tmp_path):
    sync_api = pytest.importorskip("playwright.sync_api")
    reg = register(
        [{"urn": "SC1", "council": "Croydon", "places": 12}, {"urn": "SC2", "council": "Kent"}]
    )
    episodes, children = build(
        [
            {"council": "Lambeth", "host": "Croydon", "urn": "SC1", "n": 6, "distance": 7},
            {"council": "Lambeth", "host": "Kent", "urn": "SC2", "n": 9, "distance": 55},
            {"council": "Croydon", "host": "Croydon", "urn": "SC1", "n": 5, "distance": 2},
        ]
    )
    out = tmp_path / "snapshot.html"
    write_report(
        to_report(take_snapshot(episodes, children, date="2024-03-31", providers=reg)), out
    )
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page()
        outside, errors = [], []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.route(
            "**/*",
            lambda route: (
                route.continue_()
                if route.request.url.startswith("file:")
                else (outside.append(route.request.url), route.abort())
            ),
        )
        page.goto(out.as_uri())
        page.wait_for_function(
            "document.querySelectorAll('.js-plotly-plot .main-svg').length >= 5", timeout=20000
        )
        titles = page.evaluate("[...document.querySelectorAll('.gtitle')].map(t => t.textContent)")
        browser.close()
    assert outside == [] and errors == []
    assert any("outside their own area" in t for t in titles)  # the flow map
    assert any("who uses them" in t for t in titles) and any(
        "Distance from home" in t for t in titles
    )
