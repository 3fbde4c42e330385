"""End-to-end in a real browser: Playwright drives Debian's headless Chromium against the app
served by uvicorn on a loopback port, on SQLite and (when available) PostgreSQL.

Screenshots of each main page go to ``artifacts/screenshots/`` (not committed).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from carecast.store import session_scope
from carecast.web import Settings, create_app

from .conftest import CHROMIUM, add_users, code_step, password_step, served, totp_now, zip_council

SHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not os.path.exists(CHROMIUM),
        reason=f"Chromium not installed at {CHROMIUM} (scripts/test-services.sh installs it)",
    ),
]


@pytest.fixture
def server(store_url, tmp_path):
    """The app on a free loopback port, with accounts for Lewisham, Camden and London."""
    settings = Settings(
        environment="test",
        secret_key="browser-test-secret-key",
        database_url=store_url,
        data_dir=tmp_path / "data",
        worker_threads=2,
    )
    app = create_app(settings)
    add_users(store_url)
    with served(app) as base:
        yield base, store_url.split(":")[0], settings


def _shot(page, name: str, backend: str, full_page: bool = True) -> None:
    if backend.startswith("sqlite"):
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=full_page)


def _login(page, base: str, email: str) -> None:
    """Log in; accounts with a second factor type the code of the tests' authenticator."""
    password_step(page, base, email)
    if page.url.endswith("/login/code"):
        code_step(page, totp_now())
    assert page.url.endswith("/overview"), (page.url, page.content()[:3000])


def _upload(page, base: str, tmp_path: Path, synth_dir: Path, council: str) -> None:
    archive = tmp_path / f"{council}.zip"
    archive.write_bytes(zip_council(synth_dir, council))
    page.goto(f"{base}/upload")
    page.get_by_label("Return files").set_input_files(str(archive))
    page.get_by_role("button", name="Upload and check").click()
    page.get_by_role("heading", name="Returns loaded").wait_for(timeout=30_000)


def _seed(server, synth_dir: Path, council: str) -> None:
    """Load a council's synthetic returns straight into the running app's store."""
    from carecast.ingest import load_returns
    from carecast.web.datastore import save_dataset

    loaded = load_returns(synth_dir / council, council=council)
    settings = server[2]
    with session_scope(settings.database_url) as db:
        save_dataset(
            db,
            settings.data_dir,
            council=council,
            uploaded_by="test",
            content_hash=f"seed-{council}",
            episodes=loaded.episodes,
            children=loaded.children,
            quality={},
        )
    return set(loaded.children["child_id"].to_list())


def _leaked(text: str, ids: set[str]) -> set[str]:
    """Which of ``ids`` appear in ``text`` as whole tokens."""
    return set(re.findall(r"[A-Za-z0-9]+", text)) & ids


def test_analyst_journey(server, browser, tmp_path, synth_dir):
    base, backend, _ = server
    context = browser.new_context(viewport={"width": 1366, "height": 768}, accept_downloads=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on(
        "response",
        lambda r: (
            errors.append(f"{r.status} {r.url}")
            if r.status >= 400 and "/login" not in r.url
            else None
        ),
    )

    page.goto(f"{base}/overview")
    assert "/login" in page.url
    _shot(page, "01-login", backend)
    _login(page, base, "a@lewisham.test")
    assert page.get_by_text("has not uploaded any returns yet").is_visible()

    _upload(page, base, tmp_path, synth_dir, "Lewisham")
    report = page.locator("#upload-result")
    assert report.get_by_role("heading", name="Data-quality report").is_visible()
    assert (
        report.locator("table", has_text="rule_id").first.locator("tbody tr").count() > 0
    )  # planted flaws found
    assert page.locator("#upload-progress").get_attribute("value") == "100"
    _shot(page, "02-upload-quality-report", backend)

    page.get_by_role("link", name="See the overview").click()
    page.wait_for_selector(
        ".plot .main-svg", timeout=15_000
    )  # Plotly drew the chart, served locally
    total = int(page.get_by_test_id("total").inner_text().replace(",", ""))
    assert total > 0
    _shot(page, "03-overview", backend)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Children").click()
    assert page.locator("tbody tr").count() > 50
    _shot(page, "04-children", backend)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Forecast").click()
    page.get_by_label("Years ahead").fill("2")
    page.get_by_label("Simulations").fill("100")
    page.get_by_role("button", name="Run forecast").click()
    result = page.locator("#forecast-result")
    result.get_by_role("heading", name=re.compile("^Forecast from")).wait_for(timeout=60_000)
    result.locator(".plot .main-svg").first.wait_for(timeout=15_000)  # the fan chart is drawn
    assert result.get_by_role("heading", name="Assumptions").is_visible()
    _shot(page, "05-forecast", backend)
    result.get_by_role("heading", name=re.compile("^Forecast from")).scroll_into_view_if_needed()
    _shot(page, "05-forecast-screen", backend, full_page=False)
    with page.expect_download() as dl:
        result.get_by_role("link", name="Download Excel").click()
    assert (
        dl.value.suggested_filename.endswith(".xlsx")
        and Path(dl.value.path()).read_bytes()[:2] == b"PK"
    )

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Snapshot").click()
    page.get_by_role("heading", name=re.compile("^Lewisham: placement snapshot on")).wait_for()
    page.locator(".plot .main-svg").first.wait_for(timeout=15_000)
    _shot(page, "06-snapshot", backend)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Directory").click()
    page.get_by_role("button", name="Find homes").click()
    page.get_by_role("heading", name=re.compile("could meet this referral")).wait_for(
        timeout=30_000
    )
    _shot(page, "07-directory-match", backend)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Sufficiency").click()
    page.get_by_label("Years ahead").fill("2")
    page.get_by_label("Simulations").fill("50")
    page.get_by_role("button", name="Assess sufficiency").click()
    result = page.locator("#sufficiency-result")
    result.get_by_role("heading", name="Capacity plan").wait_for(timeout=60_000)
    result.locator(".plot .main-svg").first.wait_for(
        timeout=15_000
    )  # demand bands against places drawn
    _shot(page, "08-sufficiency", backend)

    page.goto(f"{base}/downloads")
    with page.expect_download() as dl:
        page.get_by_role("link", name=re.compile("^Excel – Children in care: by category")).click()
    path = dl.value.path()
    assert dl.value.suggested_filename.endswith(".xlsx") and Path(path).read_bytes()[:2] == b"PK"
    _shot(page, "08-downloads", backend)

    assert not errors, errors
    context.close()


def test_council_b_cannot_see_council_a_children(server, browser, tmp_path, synth_dir):
    base, backend, _ = server
    # the upload itself is driven in test_analyst_journey; here both councils' data is loaded directly
    camden_ids = _seed(server, synth_dir, "Camden")
    lewisham_ids = (
        _seed(server, synth_dir, "Lewisham") - camden_ids
    )  # CHILD ids are unique only within a council
    assert len(lewisham_ids) > 100

    context = browser.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    _login(page, base, "b@camden.test")
    page.goto(f"{base}/children")
    assert len(_leaked(page.content(), camden_ids)) > 50  # Camden's own children are listed ...
    assert not _leaked(page.content(), lewisham_ids)  # ... and none of Lewisham's
    api = page.request.get(f"{base}/api/councils/Lewisham/children")
    assert api.status == 403 and "only to Lewisham" in api.json()["message"]
    assert not _leaked(page.request.get(f"{base}/api/overview").text(), lewisham_ids)
    context.close()

    context = browser.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    _login(page, base, "r@london.test")
    assert page.get_by_role("heading", name="London: children in care by council").is_visible()
    assert not _leaked(page.content(), lewisham_ids)
    _shot(page, "09-regional-overview", backend)
    context.close()


def test_keyboard_skip_link_and_labels(server, browser):
    base, backend, _ = server
    if not backend.startswith("sqlite"):
        pytest.skip("keyboard and labels do not depend on the store: checked once, on SQLite")
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{base}/login")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused.strip() == "Skip to main content"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    unlabelled = page.evaluate("""[...document.querySelectorAll('input:not([type=hidden]), select')]
        .filter(el => !(el.labels && el.labels.length)).length""")
    assert unlabelled == 0
    context.close()


def test_high_needs_journey(server, browser, send_files):
    """Upload SEN2 records, see the quality report, run the forecast against the grant, see the fan chart
    and the deficit against the threshold, download the Excel report."""
    from .test_send import GRANT

    base, backend, _ = server
    context = browser.new_context(viewport={"width": 1366, "height": 768}, accept_downloads=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    _login(page, base, "a@lewisham.test")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="High needs").click()
    page.get_by_role("heading", name="Lewisham: high needs (SEND)").wait_for()

    page.get_by_label("EHCP records or published counts (.csv)").set_input_files(
        str(send_files["path"])
    )
    page.get_by_role("button", name="Upload and check").click()
    uploaded = page.locator("#send-upload-result")
    uploaded.get_by_role("heading", name="EHCP records loaded").wait_for(timeout=30_000)
    issues = uploaded.locator("table", has_text="rule_id").first
    assert (
        issues.locator("tbody tr", has_text="UNKNOWN_SETTING").count() == 1
    )  # a planted defect, counted
    _shot(page, "10-high-needs-upload", backend)

    page.get_by_label("High-needs block").fill(GRANT)
    page.get_by_label("Cumulative deficit threshold (£)").fill("3,000,000")
    page.get_by_label("Years ahead").fill("2")
    page.get_by_label("Simulations").fill("50")
    page.get_by_role("button", name="Run high-needs forecast").click()
    result = page.locator("#send-result")
    result.get_by_role("heading", name=re.compile("^High-needs forecast from")).wait_for(
        timeout=60_000
    )
    result.locator(".plot .main-svg").first.wait_for(timeout=15_000)  # the fan chart is drawn
    assert (
        result.locator(".plot .main-svg").count() >= 5
    )  # plans, by setting, by age group, grant, deficit
    deficit = result.get_by_test_id("send-deficit").inner_text()
    assert "£3,000,000" in deficit and "cumulative deficit" in deficit
    result.get_by_role(
        "heading", name="Costs and the high-needs block"
    ).scroll_into_view_if_needed()
    _shot(page, "11-high-needs-deficit-screen", backend, full_page=False)
    _shot(page, "11-high-needs", backend)
    with page.expect_download() as dl:
        result.get_by_role("link", name="Download Excel").click()
    assert dl.value.suggested_filename == "carecast-high_needs.xlsx"
    assert Path(dl.value.path()).read_bytes()[:2] == b"PK"
    assert not errors, errors
    context.close()
