"""Placement snapshot and regional utilisation (the Pan-London Snapshot as a product, DOMAIN.md §5.1).

:func:`take_snapshot` finds every placement open on a date, classifies where it is (own area / in
region / out of region), how far from home, in a home rated what, and builds the published tables
(each with numerator, denominator and coverage); :func:`to_report` turns it into a report.
"""

from carecast.snapshot.parameters import SnapshotParameters, load_parameters
from carecast.snapshot.providers import ProviderRegister, read_providers
from carecast.snapshot.region import Region, resolve_region
from carecast.snapshot.report import to_report
from carecast.snapshot.snapshot import Snapshot, take_snapshot

__all__ = [
    "ProviderRegister",
    "Region",
    "Snapshot",
    "SnapshotParameters",
    "load_parameters",
    "read_providers",
    "resolve_region",
    "take_snapshot",
    "to_report",
]
