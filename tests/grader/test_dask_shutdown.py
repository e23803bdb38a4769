"""The embedded cluster's shutdown drops the workers' failed-heartbeat tracebacks, nothing else."""

import logging

import pytest

from grader.batch.dask_shutdown import WORKER_LOGGER, heartbeat_failures_muted


@pytest.fixture
def worker_messages():
    logger = logging.getLogger(WORKER_LOGGER)
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append
    logger.addHandler(handler)
    try:
        yield records
    finally:
        logger.removeHandler(handler)


def _log_failed_heartbeat():
    try:
        raise OSError("Stream is closed")
    except OSError:
        logging.getLogger(WORKER_LOGGER).exception(
            "Failed to communicate with scheduler during heartbeat."
        )


def test_failed_heartbeat_is_dropped_while_the_cluster_closes(worker_messages):
    with heartbeat_failures_muted():
        _log_failed_heartbeat()
    assert worker_messages == []


def test_other_worker_errors_still_show_while_the_cluster_closes(worker_messages):
    with heartbeat_failures_muted():
        logging.getLogger(WORKER_LOGGER).error("Compute Failed")
    assert [record.getMessage() for record in worker_messages] == ["Compute Failed"]


def test_failed_heartbeat_shows_again_once_the_cluster_is_closed(worker_messages):
    with heartbeat_failures_muted():
        pass
    _log_failed_heartbeat()
    assert len(worker_messages) == 1 and worker_messages[0].exc_info is not None
