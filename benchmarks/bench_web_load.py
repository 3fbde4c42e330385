"""Load test of the web app: 20 concurrent users on the overview and forecast pages, loopback only.

Data: one synthetic council (carecast.synth, 4 collection years), uploaded into a fresh SQLite store;
one forecast (1,000 simulations, 5 years) run once through the app, and each page viewed once
(its "first view" time is shown), so the load phase measures revisits served from the caches. The app runs in its own process (uvicorn, as ``carecast serve`` runs it, on 127.0.0.1
and a free port); 20 client threads each log in and then request each page a bounded number of
times (``--requests``) within a time cap (``--seconds``). Prints requests/s and p50/p95 latency per
page, errors, and peak memory of the server and of this client (resource.getrusage maxrss).

    .venv/bin/python benchmarks/bench_web_load.py [--users 20] [--requests 10] [--seconds 120]
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import numpy as np
from rich.console import Console
from rich.table import Table

from carecast.ingest import load_returns
from carecast.store import session_scope, upgrade
from carecast.synth import generate
from carecast.web.accounts import create_user
from carecast.web.datastore import save_dataset

COUNCIL = "Lewisham"
EMAIL, PASSWORD = "load@lewisham.test", "load test password"
console = Console(width=120)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _prepare(folder: Path) -> tuple[str, Path, int]:
    """A migrated store with one account and one council's cleaned data; returns (url, data dir, episodes)."""
    url = f"sqlite:///{folder / 'carecast.sqlite'}"
    data_dir = folder / "data"
    generate(folder / "returns", councils=[COUNCIL], years=(2021, 2024), seed=7)
    loaded = load_returns(folder / "returns" / COUNCIL, council=COUNCIL)
    upgrade(url)
    with session_scope(url) as db:
        create_user(db, email=EMAIL, password=PASSWORD, role="council_analyst", council=COUNCIL)
        save_dataset(
            db,
            data_dir,
            council=COUNCIL,
            uploaded_by="bench",
            content_hash="bench",
            episodes=loaded.episodes,
            children=loaded.children,
            quality={},
        )
    return url, data_dir, loaded.episodes.height


def _login(base: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=60)
    page = client.get("/login").text
    token = re.search(r'name="csrf_token" value="([0-9a-f]+)"', page).group(1)
    res = client.post("/login", data={"email": EMAIL, "password": PASSWORD, "csrf_token": token})
    assert res.status_code in (200, 303) and "carecast_session" in client.cookies, res.text[:300]
    return client


def _forecast_job(client: httpx.Client) -> str:
    """Run the default forecast once; return its job id (later fetches come from the cache)."""
    page = client.get("/forecast").text
    token = re.search(r'name="csrf_token" value="([0-9a-f]+)"', page).group(1)
    html = client.post(
        "/forecast",
        data={
            "csrf_token": token,
            "horizon_years": 5,
            "simulations": 1000,
            "trend": "flat",
            "uasc": "include",
            "seed": 1,
        },
    ).text
    job = re.search(r'id="job-([0-9a-f]+)"', html).group(1)
    deadline = time.monotonic() + 300
    while client.get(f"/api/jobs/{job}").json()["status"] not in ("done", "failed"):
        assert time.monotonic() < deadline, "forecast did not finish"
        time.sleep(0.5)
    assert client.get(f"/api/jobs/{job}").json()["status"] == "done"
    return job


def _run(base: str, paths: dict[str, str], users: int, requests: int, seconds: float):
    latencies: dict[str, list[float]] = {name: [] for name in paths}
    errors: dict[str, int] = dict.fromkeys(paths, 0)
    lock = threading.Lock()
    clients = [_login(base) for _ in range(users)]
    stop_at = time.monotonic() + seconds
    barrier = threading.Barrier(users)

    def user(client: httpx.Client) -> None:
        barrier.wait()
        for _ in range(requests):
            for name, path in paths.items():
                if time.monotonic() > stop_at:
                    return
                t0 = time.perf_counter()
                res = client.get(path)
                took = time.perf_counter() - t0
                with lock:
                    latencies[name].append(took)
                    errors[name] += res.status_code != 200

    threads = [threading.Thread(target=user, args=(c,)) for c in clients]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    for c in clients:
        c.close()
    return latencies, errors, wall


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--users", type=int, default=20)
    ap.add_argument("--requests", type=int, default=10, help="requests of each page per user")
    ap.add_argument("--seconds", type=float, default=120, help="time cap for the load phase")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="carecast-load-") as tmp:
        folder = Path(tmp)
        t0 = time.perf_counter()
        url, data_dir, n_episodes = _prepare(folder)
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        env = os.environ | {
            "CARECAST_DATABASE_URL": url,
            "CARECAST_DATA_DIR": str(data_dir),
            "CARECAST_ENVIRONMENT": "dev",
        }
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "--factory",
                "carecast.web.app:create_app",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--log-level",
                "warning",
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if httpx.get(f"{base}/login", timeout=2).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline and server.poll() is None, "server did not start"
                time.sleep(0.2)
            setup = time.perf_counter() - t0
            client = _login(base)
            t1 = time.perf_counter()
            job = _forecast_job(client)
            forecast_run = time.perf_counter() - t1
            paths = {
                "overview": "/overview",
                "forecast page": "/forecast",
                "forecast result (fan charts)": f"/jobs/{job}",
            }
            first_view = {}  # the first visitor computes and caches what later visitors reuse
            for name, path in paths.items():
                t2 = time.perf_counter()
                assert client.get(path).status_code == 200
                first_view[name] = (time.perf_counter() - t2) * 1000
            client.close()
            latencies, errors, wall = _run(base, paths, args.users, args.requests, args.seconds)
        finally:
            server.terminate()
            server.wait(timeout=30)

    total = sum(len(v) for v in latencies.values())
    table = Table(
        title=f"Web load test: {args.users} concurrent users, loopback, one council "
        f"({n_episodes:,} episodes)"
    )
    for col in ("page", "first view ms", "requests", "errors", "requests/s", "p50 ms", "p95 ms"):
        table.add_column(col, justify="right" if col != "page" else "left")
    for name, values in latencies.items():
        arr = np.array(values) * 1000
        table.add_row(
            name,
            f"{first_view[name]:,.0f}",
            f"{arr.size:,}",
            str(errors[name]),
            f"{arr.size / wall:,.1f}",
            f"{np.percentile(arr, 50):,.0f}",
            f"{np.percentile(arr, 95):,.0f}",
        )
    table.add_row(
        "all", "", f"{total:,}", str(sum(errors.values())), f"{total / wall:,.1f}", "", ""
    )
    console.print(table)
    server_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    client_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    console.print(
        f"Setup (synthetic data, load, store, server start) {setup:.1f} s; forecast run "
        f"(1,000 simulations × 5 years, in the app's background pool) {forecast_run:.1f} s; "
        f"load phase {wall:.1f} s."
    )
    console.print(f"Peak memory: server {server_mb:,.0f} MB, load client {client_mb:,.0f} MB.")


if __name__ == "__main__":
    main()
