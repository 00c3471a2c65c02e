"""Progress reports of long imports (openfinops.progress): ignored without a display, else passed on."""

from __future__ import annotations

from openfinops import progress


def test_reports_reach_the_installed_reporter_only(monkeypatch):
    monkeypatch.setattr(progress, "_reporter", None)
    progress.report(files=1, bytes=10, rows=5)  # no display (a worker, a test): ignored

    seen = []
    progress.install(lambda **counts: seen.append(counts))
    try:
        progress.report(files=1, bytes=10)
        progress.report(rows=5)
    finally:
        progress.install(None)
    progress.report(rows=7)

    assert seen == [{"files": 1, "bytes": 10, "rows": 0}, {"files": 0, "bytes": 0, "rows": 5}]
