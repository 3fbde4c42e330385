"""Where the tests find things, relative to this checkout (never a path of one machine).

``SHARED`` is the project's shared folder beside the repository (``../shared``): the seed reports'
figures and the external files nobody here wrote. ``CLI`` is the ``carecast`` script installed into
the interpreter running the tests (``sys.executable``'s folder), so a subprocess runs this checkout.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
EXTERNAL = SHARED / "external"
SEED_FIGURES = SHARED / "reference" / "seed_figures.yaml"


def cli() -> str:
    """The installed ``carecast`` command beside the running interpreter, else the one on PATH."""
    beside = Path(sys.executable).parent / "carecast"
    if beside.exists():
        return str(beside)
    found = shutil.which("carecast")
    if found is None:
        raise RuntimeError("the carecast command is not installed (run `make install`)")
    return found
