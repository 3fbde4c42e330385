"""Every council in England from the published statistics (DfE children looked after, ONS
population, RO3 outturn): load and validate them (:func:`load`), forecast each council, region and
England from them, backtest that forecast against simple baselines, and benchmark spend."""

from carecast.published.load import Published, load

__all__ = ["Published", "load"]
