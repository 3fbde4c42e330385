"""Fixtures for the web tests: an app on a fresh store, accounts for two councils and a region,
and small hand-made cleaned data sets (the loader and generator are tested in their own dirs)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from contextlib import contextmanager

import polars as pl
import pytest
from fastapi.testclient import TestClient

from carecast.schema import CHILDREN_COLUMNS, EPISODE_COLUMNS, conform, load_categories
from carecast.store import session_scope
from carecast.web import Settings, create_app
from carecast.web.accounts import create_user
from carecast.web.datastore import save_dataset

PASSWORD = "correct horse battery"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
COUNCIL_A, COUNCIL_B = "Lewisham", "Camden"


def make_tables(
    council: str, n: int, prefix: str, end: dt.date = dt.date(2024, 3, 31)
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """``n`` children, each with one episode; every third has left; categories and areas vary."""
    cats = ["fostering_in_house", "fostering_ifa", "residential_external", "supported"]
    places = {
        "fostering_in_house": ("U4", "PR1"),
        "fostering_ifa": ("U4", "PR4"),
        "residential_external": ("K2", "PR4"),
        "supported": ("H5", "PR4"),
    }
    ids = [f"{prefix}{i:04d}" for i in range(n)]
    cat = [cats[i % len(cats)] for i in range(n)]
    decom = [end - dt.timedelta(days=30 + 17 * i) for i in range(n)]
    dec = [end - dt.timedelta(days=5 + i) if i % 3 == 0 else None for i in range(n)]
    dob = [dt.date(2008 + i % 10, 1 + i % 12, 1) for i in range(n)]
    episodes = pl.DataFrame(
        {
            "council": council,
            "child_id": ids,
            "decom": decom,
            "dec": dec,
            "category": cat,
            "place": [places[c][0] for c in cat],
            "place_provider": [places[c][1] for c in cat],
            "ls": "C2",
            "rne": "S",
            "dob": dob,
            "sex": [1 + i % 2 for i in range(n)],
            "is_short_break": False,
            "in_area": [i % 4 != 0 for i in range(n)],
            "data_end": end,
            "period_id": 1,
            "period_start": decom,
        }
    )
    children = pl.DataFrame(
        {"council": council, "child_id": ids, "dob": dob, "sex": [1 + i % 2 for i in range(n)]}
    )
    episodes = load_categories().classify(episodes.drop("category"))
    return conform(episodes, EPISODE_COLUMNS), conform(children, CHILDREN_COLUMNS)


USERS = [
    ("a@lewisham.test", "council_analyst", COUNCIL_A, None),
    ("f@lewisham.test", "council_finance", COUNCIL_A, None),
    ("b@camden.test", "council_analyst", COUNCIL_B, None),
    ("r@london.test", "regional_analyst", None, "London"),
    ("admin@carecast.test", "admin", None, None),
]


# The regional and admin accounts need a second factor; the tests' authenticator app has this key.
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def add_users(url: str) -> None:
    from carecast.web.second_factor import ALWAYS_REQUIRED, enrol

    with session_scope(url) as db:
        for email, role, council, region in USERS:
            user = create_user(
                db, email=email, password=PASSWORD, role=role, council=council, region=region
            )
            if role in ALWAYS_REQUIRED:
                enrol(db, user, TOTP_SECRET)


_LAST_STEP: dict[str, int] = {}  # per secret, the 30-second step whose code a test last typed


@pytest.fixture(autouse=True)
def _fresh_authenticator():
    """Each test starts on a fresh store, where no code has been used yet."""
    _LAST_STEP.clear()


def totp_now(secret: str = TOTP_SECRET) -> str:
    """A code the app accepts. Each code works once, so a test signing in twice within 30 seconds
    types the next step's code (accepted as clock drift), or waits for a step if it must."""
    import time

    import pyotp

    totp = pyotp.TOTP(secret)
    now = totp.timecode(time.time())
    step = max(now, _LAST_STEP.get(secret, now - 1) + 1)
    if step > now + 1:
        time.sleep((step - 1) * totp.interval - time.time() + 0.2)
    _LAST_STEP[secret] = step
    return totp.generate_otp(step)


@pytest.fixture(scope="session")
def template_sqlite(tmp_path_factory):
    """A migrated SQLite store with the test accounts, made once and copied for each test."""
    from carecast.store import get_engine, upgrade

    path = tmp_path_factory.mktemp("template") / "carecast.sqlite"
    url = f"sqlite:///{path}"
    upgrade(url)
    add_users(url)
    get_engine(url).dispose()
    return path


@pytest.fixture
def settings(tmp_path, template_sqlite) -> Settings:
    import shutil

    shutil.copy(template_sqlite, tmp_path / "carecast.sqlite")
    return Settings(
        environment="test",
        secret_key="test-secret-key-for-web-tests",
        database_url=f"sqlite:///{tmp_path / 'carecast.sqlite'}",
        data_dir=tmp_path / "data",
        max_upload_mb=2,
        worker_threads=1,
    )


@pytest.fixture
def app(settings):
    return create_app(settings)


@pytest.fixture
def with_data(app, settings):
    """Both councils have a current data set."""
    with session_scope(settings.database_url) as db:
        for council, prefix, n in ((COUNCIL_A, "LEW", 40), (COUNCIL_B, "CAM", 23)):
            episodes, children = make_tables(council, n, prefix)
            save_dataset(
                db,
                settings.data_dir,
                council=council,
                uploaded_by="fixture",
                content_hash=f"hash-{prefix}",
                episodes=episodes,
                children=children,
                quality={},
            )
    return app


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([0-9a-f]+)"', html)
    assert match, "page has no CSRF field"
    return match.group(1)


def login(client: TestClient, email: str, password: str = PASSWORD):
    """Log in, typing the authenticator code too when the account has a second factor."""
    page = client.get("/login")
    res = client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )
    if res.status_code == 303 and res.headers["location"] == "/login/code":
        res = client.post(
            "/login/code",
            data={"code": totp_now(), "csrf_token": csrf_of(page.text)},
            follow_redirects=False,
        )
    return res


@pytest.fixture
def client_for(app):
    """``client_for(email)``: a logged-in client."""
    clients = []

    def make(email: str) -> TestClient:
        client = TestClient(app)
        clients.append(client)
        res = login(client, email)
        assert res.status_code == 303, res.text
        return client

    yield make
    for c in clients:
        c.close()


@pytest.fixture(scope="session")
def synth_dir(tmp_path_factory):
    """Synthetic returns of two councils, four collection years (carecast.synth), made once."""
    from carecast.synth import generate

    out = tmp_path_factory.mktemp("synth") / "returns"
    generate(out, councils=[COUNCIL_A, COUNCIL_B], years=(2021, 2024), seed=11)
    return out


def zip_council(synth_dir, council: str) -> bytes:
    """The council's folder (one sub-folder per year) plus the postcode lookup, as a zip."""
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for path in sorted((synth_dir / council).rglob("*.csv")):
            z.write(path, path.relative_to(synth_dir / council).as_posix())
        z.write(synth_dir / "postcodes.csv", "postcodes.csv")
        z.write(synth_dir / "providers.csv", "providers.csv")
    return buf.getvalue()


@pytest.fixture(scope="session")
def send_files(tmp_path_factory):
    """Synthetic EHCP records of Lewisham with three planted defects, and its published counts."""
    from carecast.send import synthetic

    res = synthetic(["Lewisham"], (2021, 2024), seed=3)
    paths = res.write(tmp_path_factory.mktemp("send"), defects=True)
    return {
        "records": paths["records"].read_bytes(),
        "counts": paths["counts"].read_bytes(),
        "path": paths["records"],
        "rows": pl.read_csv(paths["records"]).height,
        "defects": res.defects,
        "ids": set(res.records["child_id"].to_list()),
    }


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def served(app) -> Iterator[str]:
    """The app under uvicorn on a free loopback port, in a thread; yields its base URL."""
    import threading
    import time

    import uvicorn

    port = free_port()
    srv = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not srv.started:
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        srv.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser():
    """Debian's headless Chromium driven by Playwright, one per test module."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


def password_step(page, base: str, email: str, password: str = PASSWORD) -> None:
    """In the browser: type the email and password on the login page and submit."""
    page.goto(f"{base}/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Log in").click()


def code_step(page, code: str) -> None:
    """In the browser: type a second-factor (or recovery) code and submit."""
    page.get_by_label("Code").fill(code)
    with page.expect_navigation():
        page.get_by_role("button", name="Continue").click()
