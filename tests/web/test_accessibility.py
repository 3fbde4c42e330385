"""Every page passes axe-core's automated WCAG 2.2 AA checks in a real browser, for every role.

Councils' services must meet the Public Sector Bodies Accessibility Regulations 2018 (WCAG 2.2 AA,
DOMAIN.md §9). axe-core (Deque, MPL-2.0; ``tests/web/vendor``) is injected into each page after it
has drawn (charts included) and its serious and critical violations fail the test, naming the rule,
the element and axe's help text. Pages are visited as each role sees them, with data loaded, and
after a job has run (the forecast, sufficiency and scenario results are part of the page).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from . import test_browser
from .conftest import PASSWORD, password_step
from .test_browser import _login, _seed

server = test_browser.server  # the browser tests' app per test (Chromium is conftest's ``browser``)

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
BLOCKING = ("serious", "critical")

PAGES = {
    "a@lewisham.test": [
        "/overview",
        "/children",
        "/upload",
        "/forecast",
        "/snapshot",
        "/costs",
        "/budget",
        "/scenarios",
        "/sufficiency",
        "/directory",
        "/downloads",
        "/send",
        "/account",
        "/account/second-factor",
    ],
    "f@lewisham.test": ["/overview", "/costs", "/budget"],
    "r@london.test": ["/overview", "/snapshot", "/sufficiency", "/downloads"],
    "admin@carecast.test": ["/admin", "/account"],
}

pytestmark = pytest.mark.browser


def violations(page) -> list[str]:
    """Serious and critical axe-core violations on the page as it is now, one line each."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    found = page.evaluate(
        "async (tags) => (await axe.run(document, {runOnly: {type: 'tag', values: tags}})).violations",
        TAGS,
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {', '.join(n['target'][0] for n in v['nodes'][:3])}"
        for v in found
        if v["impact"] in BLOCKING
    ]


def _settle(page) -> None:
    """Wait until htmx requests have finished and any chart has been drawn."""
    page.wait_for_load_state("networkidle")
    if page.locator(".plot").count():
        page.locator(".plot .main-svg").first.wait_for(timeout=15_000)


def test_login_page_is_accessible(server, browser):
    base, backend, _ = server
    if not backend.startswith("sqlite"):
        pytest.skip("the pages do not depend on the store: checked once, on SQLite")
    page = browser.new_page(bypass_csp=True)  # axe is injected as an inline script
    page.goto(f"{base}/login")
    assert violations(page) == []
    page.get_by_label("Email address").fill("nobody@lewisham.test")
    page.get_by_label("Password").fill("wrong password")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state("networkidle")
    assert violations(page) == []  # the page with its error message
    page.close()


def test_second_factor_pages_are_accessible(server, browser):
    """The code page (an admin after the password) and the enrolment page (a new regional user)."""
    from carecast.store import session_scope
    from carecast.web.accounts import create_user

    base, backend, settings = server
    if not backend.startswith("sqlite"):
        pytest.skip("the pages do not depend on the store: checked once, on SQLite")
    with session_scope(settings.database_url) as db:
        create_user(
            db, email="r2@london.test", password=PASSWORD, role="regional_analyst", region="London"
        )
    page = browser.new_page(bypass_csp=True)
    for email, path in (("admin@carecast.test", "/login/code"), ("r2@london.test", "/login/enrol")):
        page.context.clear_cookies()
        password_step(page, base, email)
        assert page.url == f"{base}{path}"
        assert violations(page) == [], path
    page.close()


@pytest.mark.parametrize("email", list(PAGES))
def test_every_page_is_accessible(server, browser, synth_dir, email):
    base, backend, _ = server
    if not backend.startswith("sqlite"):
        pytest.skip("the pages do not depend on the store: checked once, on SQLite")
    for council in ("Lewisham", "Camden"):
        _seed(server, synth_dir, council)
    context = browser.new_context(viewport={"width": 1366, "height": 768}, bypass_csp=True)
    page = context.new_page()
    _login(page, base, email)
    failures = {}
    for path in PAGES[email]:
        page.goto(f"{base}{path}")
        _settle(page)
        found = violations(page)
        if found:
            failures[path] = found
    assert failures == {}, "\n".join(f"{p}: {v}" for p, vs in failures.items() for v in vs)
    context.close()


def test_job_results_are_accessible(server, browser, synth_dir):
    """The forecast and sufficiency results (fan charts, tables, downloads) as a council analyst sees them."""
    base, backend, _ = server
    if not backend.startswith("sqlite"):
        pytest.skip("the pages do not depend on the store: checked once, on SQLite")
    _seed(server, synth_dir, "Lewisham")
    context = browser.new_context(viewport={"width": 1366, "height": 768}, bypass_csp=True)
    page = context.new_page()
    _login(page, base, "a@lewisham.test")
    page.goto(f"{base}/forecast")
    page.get_by_label("Years ahead").fill("2")
    page.get_by_label("Simulations").fill("50")
    page.get_by_role("button", name="Run forecast").click()
    result = page.locator("#forecast-result")
    result.get_by_role("heading", name=re.compile("^Forecast from")).wait_for(timeout=60_000)
    _settle(page)
    assert violations(page) == []
    page.goto(f"{base}/sufficiency")
    page.get_by_label("Years ahead").fill("2")
    page.get_by_label("Simulations").fill("50")
    page.get_by_role("button", name="Assess sufficiency").click()
    page.locator("#sufficiency-result").get_by_role("heading", name="Capacity plan").wait_for(
        timeout=60_000
    )
    _settle(page)
    assert violations(page) == []
    context.close()


def _tab_to(page, predicate: str, limit: int = 60) -> None:
    """Press Tab until ``predicate`` (JavaScript, on ``document.activeElement`` as ``el``) holds."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"(el => {predicate})(document.activeElement)"):
            return
    raise AssertionError(f"Tab never reached an element where {predicate}")


def test_keyboard_only_sign_in_and_chart_data(server, browser, synth_dir):
    """Sign in and read a chart's data with the keyboard alone (WCAG 2.1.1)."""
    base, backend, _ = server
    if not backend.startswith("sqlite"):
        pytest.skip("keyboard use does not depend on the store: checked once, on SQLite")
    _seed(server, synth_dir, "Lewisham")
    from .conftest import PASSWORD

    page = browser.new_page()
    page.goto(f"{base}/login")
    _tab_to(page, "el.type === 'email'")
    page.keyboard.type("a@lewisham.test")
    _tab_to(page, "el.type === 'password'")
    page.keyboard.type(PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith("/overview")
    _settle(page)
    _tab_to(page, "el.tagName === 'SUMMARY'")
    page.keyboard.press("Enter")
    details = page.locator("details.chart-data").first
    assert details.get_attribute("open") is not None
    assert (
        details.locator("tbody tr").count() > 0
    )  # the chart's numbers, readable without the chart
    page.close()
