"""Upload checks: file types by content, zip safety, size limit, collection year for loose files."""

import io
import zipfile

import pytest

from carecast.errors import InputError
from carecast.web.uploads import Incoming, stage

from .conftest import csrf_of

CSV = b"CHILD,DECOM\n1,01/04/2023\n"


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buf.getvalue()


def test_loose_files_are_staged_under_their_year(tmp_path):
    digest = stage(
        [Incoming("episodes.csv", CSV), Incoming("header.csv", CSV)],
        tmp_path / "s",
        year=2024,
        limit=10**6,
    )
    assert (tmp_path / "s" / "2024" / "episodes.csv").read_bytes() == CSV
    again = stage(
        [Incoming("header.csv", CSV), Incoming("episodes.csv", CSV)],
        tmp_path / "t",
        year=2024,
        limit=10**6,
    )
    other_year = stage(
        [Incoming("episodes.csv", CSV), Incoming("header.csv", CSV)],
        tmp_path / "u",
        year=2023,
        limit=10**6,
    )
    assert digest == again != other_year


def test_loose_files_need_a_year(tmp_path):
    with pytest.raises(InputError) as err:
        stage([Incoming("episodes.csv", CSV)], tmp_path, year=None, limit=10**6)
    assert "collection year" in err.value.message and err.value.fix


@pytest.mark.parametrize(
    ("name", "data", "words"),
    [
        ("episodes.exe", b"MZ...", "not SSDA903"),
        ("episodes.csv", b"", "empty"),
        ("episodes.csv", b"\x00\x01\x02binary", "binary"),
        ("return.xlsx", b"not a zip at all", "not a real .xlsx"),
        ("return.xml", b"CHILD,DECOM", "not XML"),
    ],
)
def test_wrong_file_types_are_refused_with_the_file_named(tmp_path, name, data, words):
    with pytest.raises(InputError) as err:
        stage([Incoming(name, data)], tmp_path, year=2024, limit=10**6)
    assert words in err.value.message and err.value.where.file == name and err.value.fix


def test_zip_keeps_its_year_folders_and_skips_other_files(tmp_path):
    data = _zip(
        {
            "Lewisham/2023/episodes.csv": CSV,
            "Lewisham/2024/episodes.csv": CSV,
            "notes.txt": b"x",
            "__MACOSX/._a.csv": b"junk",
        }
    )
    stage(
        [Incoming("lewisham.zip", data)], tmp_path / "s", year=None, limit=10**6, council="Lewisham"
    )
    assert sorted(
        p.relative_to(tmp_path / "s").as_posix() for p in (tmp_path / "s").rglob("*.csv")
    ) == ["Lewisham/2023/episodes.csv", "Lewisham/2024/episodes.csv"]


def test_zip_with_unsafe_path_or_too_big_is_refused(tmp_path):
    with pytest.raises(InputError, match="unsafe path"):
        stage(
            [Incoming("a.zip", _zip({"../../etc/episodes.csv": CSV}))],
            tmp_path / "s",
            year=None,
            limit=10**6,
        )
    assert not (tmp_path / "s").exists()
    with pytest.raises(InputError, match="larger than the upload limit"):
        stage(
            [Incoming("a.zip", _zip({"2024/episodes.csv": CSV * 1000}))],
            tmp_path / "t",
            year=None,
            limit=1000,
        )


def test_upload_over_the_limit_is_refused_before_reading(with_data, client_for, settings):
    client = client_for("a@lewisham.test")
    token = csrf_of(client.get("/overview").text)
    big = b"x" * (settings.max_upload_bytes + 1)
    res = client.post(
        "/upload",
        data={"csrf_token": token, "collection_year": "2024"},
        files={"files": ("episodes.csv", big, "text/csv")},
    )
    assert res.status_code == 413 and "limit of 2 MB" in res.json()["message"]


def test_upload_of_a_binary_file_answers_with_the_message(with_data, client_for):
    client = client_for("a@lewisham.test")
    token = csrf_of(client.get("/overview").text)
    res = client.post(
        "/upload",
        data={"csrf_token": token, "collection_year": "2024"},
        files={"files": ("episodes.csv", b"\x00\x00\x00", "text/csv")},
        headers={"HX-Request": "true"},
    )
    assert res.status_code == 422 and "binary" in res.text and "What to do" in res.text


def wait_for_job(client, html: str, timeout: float = 30.0) -> str:
    """Follow the job fragment's polling (as HTMX would) until it is done; return the final HTML."""
    import re
    import time

    deadline = time.monotonic() + timeout
    while 'hx-trigger="every 500ms"' in html or 'hx-trigger="load"' in html:
        assert time.monotonic() < deadline, "job did not finish"
        time.sleep(0.2)
        job = re.search(r'hx-get="(/jobs/[0-9a-f]+)"', html).group(1)
        html = client.get(job, headers={"HX-Request": "true"}).text
    return html


def test_upload_loads_returns_and_shows_the_quality_report(app, client_for, settings):
    from sqlalchemy import select

    from carecast.store import session_scope
    from carecast.store.models_web import WebAuditEvent, WebDataset

    from .returns import council_zip

    client = client_for("a@lewisham.test")
    token = csrf_of(client.get("/upload").text)
    res = client.post(
        "/upload",
        data={"csrf_token": token},
        headers={"HX-Request": "true"},
        files={"files": ("lewisham.zip", council_zip("LEW"), "application/zip")},
    )
    assert res.status_code == 200 and "<progress" in res.text
    html = wait_for_job(client, res.text)
    assert "Returns loaded" in html and "Data-quality report" in html
    assert "NO_HEADER" in html and "UNKNOWN_CODE" in html  # the defects are reported
    assert "LEW0" not in html  # the quality report never shows child ids
    with session_scope(settings.database_url) as db:
        ds = db.scalar(select(WebDataset))
        audit_actions = [e.action for e in db.scalars(select(WebAuditEvent))]
    assert ds.council == "Lewisham" and ds.n_children == 31 and ds.quality["totals"]["read"] == 47
    assert "upload" in audit_actions
    overview = client.get("/api/overview").json()
    assert overview["children_in_care"] > 0 and overview["as_of"] == "2024-03-31"
    assert not (settings.data_dir / "uploads").exists() or not any(
        (settings.data_dir / "uploads").iterdir()
    )


def test_upload_holding_another_councils_returns_is_refused(app, client_for):
    import io
    import zipfile

    from .returns import council_returns

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, text in council_returns("CAM", 8).items():
            z.writestr(f"Camden/{name}", text)
        for name, text in council_returns("LEW", 8).items():
            z.writestr(f"Lewisham/{name}", text)
    client = client_for("a@lewisham.test")
    token = csrf_of(client.get("/upload").text)
    res = client.post(
        "/upload",
        data={"csrf_token": token},
        headers={"HX-Request": "true"},
        files={"files": ("region.zip", buf.getvalue(), "application/zip")},
    )
    assert res.status_code == 403 and "Camden" in res.text and "only Lewisham" in res.text
    assert client.get("/api/overview").json()["empty"] is True
