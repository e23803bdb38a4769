"""A quiet end for the embedded Dask cluster.

When the embedded cluster closes, its scheduler can stop between a worker's heartbeats; the worker
then logs the failed heartbeat with a traceback. Grading is over by then and nothing is lost, but an
instructor would read the traceback as a failure. Only those messages, and only while the cluster
closes, are dropped.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

WORKER_LOGGER = "distributed.worker"
HEARTBEAT_FAILURES = (
    "Failed to communicate with scheduler during heartbeat",
    "Heartbeat to scheduler failed",
)


class _DropHeartbeatFailures(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith(HEARTBEAT_FAILURES)


@contextmanager
def heartbeat_failures_muted() -> Iterator[None]:
    """Drops the Dask workers' failed-heartbeat messages while the block runs.

    Every other message of the workers' logger still gets through.
    """
    logger = logging.getLogger(WORKER_LOGGER)
    dropped = _DropHeartbeatFailures()
    logger.addFilter(dropped)
    try:
        yield
    finally:
        logger.removeFilter(dropped)
