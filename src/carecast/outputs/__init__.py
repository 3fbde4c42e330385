"""Writing analytic results to the file the user asked for, by its extension.

Every analytic command builds a :class:`Report` (title, run metadata, sections of tables and
Plotly figures, and optionally the exact JSON payload its documented JSON shape requires) and
hands it to :func:`write_report`. One writer per format lives in its own module.
"""

from carecast.outputs.report import Report, Section, run_metadata
from carecast.outputs.write import SUPPORTED_FORMATS, write_report

__all__ = ["SUPPORTED_FORMATS", "Report", "Section", "run_metadata", "write_report"]
