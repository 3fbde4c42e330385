"""Upload checks: file types by content, zip safety, size limit, collection year for loose files."""

import io
import zipfile

import pytest
from conftest import csrf_of

from carecast.errors import InputError
from carecast.web.uploads import Incoming, stage

CSV = b"CHILD,DECOM\n1,01/04/2023\n"


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buf.getvalue()


def test_loose_files_are_staged_under_their_year(tmp_path):
    digest = stage([Incoming("episodes.csv", CSV), Incoming("header.csv", CSV)], tmp_path / "s", year=2024,
                   limit=10**6)
    assert (tmp_path / "s" / "2024" / "episodes.csv").read_bytes() == CSV
    again = stage([Incoming("header.csv", CSV), Incoming("episodes.csv", CSV)], tmp_path / "t", year=2024, limit=10**6)
    other_year = stage([Incoming("episodes.csv", CSV), Incoming("header.csv", CSV)], tmp_path / "u", year=2023,
                       limit=10**6)
    assert digest == again != other_year


def test_loose_files_need_a_year(tmp_path):
    with pytest.raises(InputError) as err:
        stage([Incoming("episodes.csv", CSV)], tmp_path, year=None, limit=10**6)
    assert "collection year" in err.value.message and err.value.fix


@pytest.mark.parametrize(("name", "data", "words"), [
    ("episodes.exe", b"MZ...", "not SSDA903"),
    ("episodes.csv", b"", "empty"),
    ("episodes.csv", b"\x00\x01\x02binary", "binary"),
    ("return.xlsx", b"not a zip at all", "not a real .xlsx"),
    ("return.xml", b"CHILD,DECOM", "not XML"),
])
def test_wrong_file_types_are_refused_with_the_file_named(tmp_path, name, data, words):
    with pytest.raises(InputError) as err:
        stage([Incoming(name, data)], tmp_path, year=2024, limit=10**6)
    assert words in err.value.message and err.value.where.file == name and err.value.fix


def test_zip_keeps_its_year_folders_and_skips_other_files(tmp_path):
    data = _zip({"Lewisham/2023/episodes.csv": CSV, "Lewisham/2024/episodes.csv": CSV, "notes.txt": b"x",
                 "__MACOSX/._a.csv": b"junk"})
    stage([Incoming("lewisham.zip", data)], tmp_path / "s", year=None, limit=10**6)
    assert sorted(p.relative_to(tmp_path / "s").as_posix() for p in (tmp_path / "s").rglob("*.csv")) == [
        "Lewisham/2023/episodes.csv", "Lewisham/2024/episodes.csv"]


def test_zip_with_unsafe_path_or_too_big_is_refused(tmp_path):
    with pytest.raises(InputError, match="unsafe path"):
        stage([Incoming("a.zip", _zip({"../../etc/episodes.csv": CSV}))], tmp_path / "s", year=None, limit=10**6)
    assert not (tmp_path / "s").exists()
    with pytest.raises(InputError, match="larger than the upload limit"):
        stage([Incoming("a.zip", _zip({"2024/episodes.csv": CSV * 1000}))], tmp_path / "t", year=None, limit=1000)


def test_upload_over_the_limit_is_refused_before_reading(with_data, client_for, settings):
    client = client_for("a@lewisham.test")
    token = csrf_of(client.get("/overview").text)
    big = b"x" * (settings.max_upload_bytes + 1)
    res = client.post("/upload", data={"csrf_token": token, "collection_year": "2024"},
                      files={"files": ("episodes.csv", big, "text/csv")})
    assert res.status_code == 413 and "limit of 2 MB" in res.json()["message"]


def test_upload_of_a_binary_file_answers_with_the_message(with_data, client_for):
    client = client_for("a@lewisham.test")
    token = csrf_of(client.get("/overview").text)
    res = client.post("/upload", data={"csrf_token": token, "collection_year": "2024"},
                      files={"files": ("episodes.csv", b"\x00\x00\x00", "text/csv")}, headers={"HX-Request": "true"})
    assert res.status_code == 422 and "binary" in res.text and "What to do" in res.text
