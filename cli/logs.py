"""Where log lines go: the console is for results (stdout) and one line per error (stderr).

Prefect's log lines (flow and task runs, tracebacks of failed tasks), dbt's console output and the
CLI's own tracebacks go to <data_dir>/logs/finops.log; with --verbose to stderr as well.
"""

from __future__ import annotations

import io
import logging
import sys
from contextlib import contextmanager, redirect_stdout
from pathlib import Path
from typing import Iterator

LOG_FILE = Path("logs") / "finops.log"  # under the data dir
FORMAT = "%(asctime)s | %(levelname)-7s | {source} - %(message)s"
ROUTED = "openfinops"  # the name of the handlers route_logs sets


def route_logs(log_file: Path, verbose: bool) -> None:
    """From now on, send log records to `log_file`, and to stderr only if `verbose`.

    For the rest of the process rather than a block: at exit, Prefect still logs the stop of its
    temporary server. Called again (the tests run several commands in one process), it re-targets.
    """
    from prefect.logging.configuration import ensure_logging_setup
    from prefect.logging.formatters import PrefectFormatter
    from prefect.logging.handlers import PrefectConsoleHandler, _SafeStreamHandler

    ensure_logging_setup()  # Prefect's console handlers, replaced below; importing more of Prefect keeps that
    log_file.parent.mkdir(parents=True, exist_ok=True)
    formatter = PrefectFormatter(FORMAT.format(source="%(name)s"),
                                 flow_run_fmt=FORMAT.format(source="Flow run %(flow_run_name)r"),
                                 task_run_fmt=FORMAT.format(source="Task run %(task_run_name)r"))
    handlers: list[logging.Handler] = [logging.FileHandler(log_file, encoding="utf-8")]
    if verbose:
        handlers.append(logging.StreamHandler(sys.stderr))
    for handler in handlers:
        handler.setFormatter(formatter)
        handler.set_name(ROUTED)
    # Prefect's logging.yml puts console handlers on the root, uvicorn and fastapi loggers and its
    # debug handler on prefect._internal; an earlier call put ours there instead.
    loggers = [logging.root, *(x for x in logging.root.manager.loggerDict.values() if isinstance(x, logging.Logger))]
    for logger in loggers:
        replaced = [h for h in logger.handlers
                    if isinstance(h, (PrefectConsoleHandler, _SafeStreamHandler)) or h.get_name() == ROUTED]
        for handler in replaced:
            logger.removeHandler(handler)
            if handler.get_name() == ROUTED:
                handler.close()
        for handler in handlers if replaced else ():
            logger.addHandler(handler)
    logging.captureWarnings(True)  # library warnings are log lines too


@contextmanager
def printed_output_logged() -> Iterator[None]:
    """While a flow runs, whatever is printed to stdout (dbt's console log) is a log line, not a result."""
    logger = logging.getLogger("stdout")
    logger.setLevel(logging.INFO)  # the root logger's level is WARNING
    stream = _LineLogger(logger)
    try:
        with redirect_stdout(stream):
            yield
    finally:
        stream.close()


class _LineLogger(io.TextIOBase):
    """A text stream that logs each line written to it."""

    def __init__(self, logger: logging.Logger) -> None:
        self._logger = logger
        self._partial = ""

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        *lines, self._partial = (self._partial + text).split("\n")
        for line in lines:
            if line.strip():
                self._logger.info(line.rstrip())
        return len(text)

    def close(self) -> None:
        self.write("\n")
        super().close()
