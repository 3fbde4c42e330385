"""No file of the repository names a folder of one machine (a home directory, a workspace).

A test or script that runs ``/home/someone/.venv/bin/carecast`` passes only where it was written:
``make test`` on a fresh clone failed that way once. Files find each other through
``tests/paths.py`` (tests) or relative to themselves (scripts, benchmarks).
"""

from __future__ import annotations

import re

from tests.paths import REPO

CHECKED = (
    "src",
    "tests",
    "benchmarks",
    "scripts",
    "docs",
    ".ci",
    "Makefile",
    "README.md",
    "pyproject.toml",
)
TEXT_SUFFIXES = {
    ".py",
    ".md",
    ".txt",
    ".yaml",
    ".yml",
    ".toml",
    ".sh",
    ".html",
    ".js",
    ".css",
    ".ini",
    ".cfg",
    ".json",
    ".mako",
    "",
}
# A machine folder: /work/…, /root/…, /home/<user>/… (also inside quotes or file:// URLs).
MACHINE_PATH = re.compile(r"(?<![\w.])/(?:work|root|home)/[\w.-]+")


def _files():
    for name in CHECKED:
        top = REPO / name
        if top.is_file():
            yield top
        elif top.is_dir():
            yield from (
                p
                for p in top.rglob("*")
                if p.is_file() and p.suffix in TEXT_SUFFIXES and "__pycache__" not in p.parts
            )


def test_no_file_names_a_machine_path():
    this = __file__.rsplit("/", 1)[-1]
    found = []
    for path in _files():
        if path.name == this:
            continue
        text = path.read_text("utf-8", errors="replace")
        for n, line in enumerate(text.splitlines(), 1):
            if MACHINE_PATH.search(line):
                found.append(f"{path.relative_to(REPO)}:{n}: {line.strip()[:100]}")
    assert not found, (
        "absolute machine paths (use tests/paths.py or a path relative to the file):\n"
        + "\n".join(found)
    )


def test_the_pattern_catches_the_kinds_of_path_it_is_for():
    for bad in ('"/work/main/.venv/bin/carecast"', "cd /root/project", "file:///home/alice/x.csv"):
        assert MACHINE_PATH.search(bad), bad
    for fine in (
        "see docs/work/notes.md",
        "src/carecast/home/x.py",
        "https://example.org/home/page",
    ):
        assert not MACHINE_PATH.search(fine), fine
