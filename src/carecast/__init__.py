"""carecast: placement demand, cost and sufficiency planning for children in care.

Each capability is a plain Python API in its own package (``ingest``, ``synth``, ``snapshot``,
``forecast``, ``costs``, ...); the CLI (:mod:`carecast.cli`) and the web app
(:mod:`carecast.web`) are thin layers over them.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("carecast")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+source"

__all__ = ["__version__"]
