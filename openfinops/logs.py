"""The run logger inside a Prefect run, a plain logger when a task body is called directly."""

from __future__ import annotations

import logging


def run_logger(name: str) -> logging.Logger | logging.LoggerAdapter:
    # Imported here: the library's readers (state, locks) must not pay for Prefect's import.
    from prefect import get_run_logger
    from prefect.exceptions import MissingContextError

    try:
        return get_run_logger()
    except MissingContextError:
        return logging.getLogger(name)
