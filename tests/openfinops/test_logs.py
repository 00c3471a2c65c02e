"""The logger library code writes to (openfinops.logs): the run logger inside a Prefect run, else a plain one."""

from __future__ import annotations

import logging

from openfinops.logs import run_logger


def test_outside_a_run_a_plain_logger_named_for_the_module():
    logger = run_logger("openfinops.importing.loading")

    assert isinstance(logger, logging.Logger)
    assert logger.name == "openfinops.importing.loading"
