"""Cross-council benchmarking of spend and demand: the "Under pressure" method (DOMAIN.md §5.4).

Load a council x year panel (:func:`load_panel`), benchmark one council (:func:`analyse`), and
turn the result into a report (:func:`build_report`). :func:`synthetic_panel` and
:func:`write_panel` make a plausible panel for demos and tests.
"""

from carecast.benchmark.analyse import BenchmarkResult, analyse, analyse_frame
from carecast.benchmark.panel import Panel, load_panel
from carecast.benchmark.report import build_report
from carecast.benchmark.synthetic import synthetic_panel, write_panel

__all__ = [
    "BenchmarkResult",
    "Panel",
    "analyse",
    "analyse_frame",
    "build_report",
    "load_panel",
    "synthetic_panel",
    "write_panel",
]
