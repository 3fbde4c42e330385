"""Logging for carecast: one setup for the CLI and the server, and one record per job.

Libraries only get a named logger (``logging.getLogger(__name__)``); handlers are installed once
by :func:`setup` (the CLI at start-up, ``carecast serve`` before the app runs). A job logs its
start, end, duration and failure through :func:`job_logged`. Job records carry the job's name and
its options (counts, years, seeds, file names), never a child identifier: the options are the
request's, and requests hold no child-level data.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from carecast.errors import CarecastError

LOGGER = "carecast"
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
LEVEL_ENV = "CARECAST_LOG_LEVEL"

log = logging.getLogger(f"{LOGGER}.jobs")


def setup(default: str | int = logging.WARNING) -> None:
    """Send carecast's records to standard error, once (repeated calls only change the level).

    The level is ``CARECAST_LOG_LEVEL`` when set, else ``default``: WARNING for the CLI (a user
    running a command sees its Rich output, not log lines, unless they ask), INFO for the server.
    """
    root = logging.getLogger(LOGGER)
    chosen = os.environ.get(LEVEL_ENV) or default
    root.setLevel(chosen.upper() if isinstance(chosen, str) else chosen)
    if not any(isinstance(h, _StandardError) for h in root.handlers):
        handler = _StandardError()
        handler.setFormatter(logging.Formatter(FORMAT))
        root.addHandler(handler)


class _StandardError(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is now (tests and Rich swap it), not the one at set-up."""

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _value) -> None:
        pass


def _describe(options: dict[str, Any]) -> str:
    return " ".join(f"{k}={v}" for k, v in options.items() if v is not None)


@contextmanager
def job_logged(name: str, **options: Any) -> Iterator[None]:
    """Log a job's start, then its end and duration, or its failure (a refused input by its error
    type and place; anything else as an error with its traceback) and re-raise."""
    started = time.perf_counter()
    log.info("job %s started %s", name, _describe(options))
    try:
        yield
    except CarecastError as exc:
        # The type and the place only: a message may quote a value from the user's rows. INFO: a
        # refused input is the job working as meant (the user is told), not a fault of the system.
        where = exc.where.describe() if exc.where is not None else ""
        log.info(
            "job %s failed after %.2f s: %s %s",
            name,
            time.perf_counter() - started,
            type(exc).__name__,
            where,
        )
        raise
    except Exception:
        log.exception(
            "job %s failed after %.2f s with an internal error", name, time.perf_counter() - started
        )
        raise
    log.info("job %s finished in %.2f s", name, time.perf_counter() - started)
