"""compose.yaml as podman-compose reads it."""

from __future__ import annotations

import re
from pathlib import Path

COMPOSE = Path(__file__).resolve().parents[2] / "compose.yaml"


def test_unset_variables_have_no_empty_default():
    # podman-compose passes `${VAR:-}` on literally when VAR is unset: the worker then reads the text
    # "${VAR:-}" as an export list or a credential. `${VAR}` becomes empty in both composes.
    settings = [line for line in COMPOSE.read_text().splitlines() if not line.lstrip().startswith("#")]
    assert [line for line in settings if re.search(r"\$\{\w+:-\}", line)] == []
