"""Loading SSDA903 returns: discover, read, validate and clean into the shared episode tables.

``load_returns(path)`` gives a :class:`LoadResult` with ``episodes`` and ``children`` conformed to
:mod:`carecast.schema.tables`, a :class:`QualityReport` counting every row dropped, repaired,
merged or flagged (by rule, council and collection year, with example rows), and ``coverage``.
"""

from carecast.ingest.load import LoadResult, load_returns
from carecast.ingest.quality import QualityReport

__all__ = ["LoadResult", "QualityReport", "load_returns"]
