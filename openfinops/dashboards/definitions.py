"""Dashboards as code: the files of `dashboards/`, read and checked.

One YAML file per dashboard: a title, a description, the filters it offers (named in
`dashboards/filters.yaml`) and its cards. A card is a SQL question over the published tables
(`focus.cost_and_usage` and the marts built for dashboards), a display type and a place on
Metabase's 24-column grid. The SQL stays in the files; `cards_sql` expands its filters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

DASHBOARDS_DIR = Path(__file__).resolve().parents[2] / "dashboards"
FILTERS_FILE = "filters.yaml"
GRID_COLUMNS = 24  # Metabase's dashboard grid
DISPLAYS = ("number", "line", "area", "bar", "stacked_bar", "table", "pivot")
FILTER_TYPES = ("category", "date_range", "tag")
DATE_RANGE = "date_range"  # the one filter a card places itself, as `{{date_range}}`
PLACEHOLDERS = re.compile(r"{{\s*(\w+)\s*}}")


class DashboardError(ValueError):
    """A dashboard file is malformed: the message names the file and what is wrong."""


@dataclass(frozen=True)
class Filter:
    name: str
    title: str
    column: str  # the FOCUS column it narrows, in the card's `source` table
    type: str = "category"


@dataclass(frozen=True)
class Position:
    col: int
    row: int
    size_x: int
    size_y: int


@dataclass(frozen=True)
class Card:
    id: str  # unique in its dashboard; with the dashboard's name, the card's identity in Metabase
    title: str
    display: str
    sql: str
    position: Position
    source: str | None  # the table `{{filters}}` and `{{date_range}}` narrow; None: the card takes no filter
    description: str = ""
    x: str | None = None  # charts: the column along the x axis ...
    y: tuple[str, ...] = ()  # ... the measures ...
    series: str | None = None  # ... and the column that splits them into series

    @property
    def placeholders(self) -> set[str]:
        return set(PLACEHOLDERS.findall(self.sql))

    def takes(self, flt: Filter) -> bool:
        """Whether `flt` narrows this card: the date range where it writes `{{date_range}}`, any
        other filter where it writes `{{filters}}`."""
        return (DATE_RANGE if flt.type == "date_range" else "filters") in self.placeholders


@dataclass(frozen=True)
class Dashboard:
    name: str  # the file's stem
    title: str
    description: str
    filters: tuple[Filter, ...]
    cards: tuple[Card, ...]
    path: Path
    order: int = 0  # where it comes among the dashboards (then by name)


def load_filters(folder: Path = DASHBOARDS_DIR) -> dict[str, Filter]:
    path = folder / FILTERS_FILE
    raw = _mapping(_yaml(path), str(path))
    filters = {}
    for name, spec in raw.items():
        where = f"{path}: filter {name}"
        spec = _mapping(spec, where)
        kind = spec.get("type", "category")
        if kind not in FILTER_TYPES:
            raise DashboardError(f"{where}: type {kind!r} is not one of {', '.join(FILTER_TYPES)}")
        filters[name] = Filter(name, _text(spec, "title", where), _text(spec, "column", where), kind)
    if DATE_RANGE in filters and filters[DATE_RANGE].type != "date_range":
        raise DashboardError(f"{path}: filter {DATE_RANGE} must have type date_range")
    return filters


def load_dashboards(folder: Path = DASHBOARDS_DIR) -> list[Dashboard]:
    """Every dashboard file of `folder`, by `order` then name; a malformed one raises DashboardError."""
    filters = load_filters(folder)
    paths = sorted(p for p in folder.glob("*.yaml") if p.name != FILTERS_FILE)
    return sorted((load_dashboard(path, filters) for path in paths), key=lambda d: (d.order, d.name))


def load_dashboard(path: Path, filters: dict[str, Filter]) -> Dashboard:
    raw = _mapping(_yaml(path), str(path))
    offered = raw.get("filters", [])
    if not isinstance(offered, list) or not all(isinstance(f, str) for f in offered):
        raise DashboardError(f"{path}: filters must be a list of filter names")
    unknown = [f for f in offered if f not in filters]
    if unknown:
        raise DashboardError(f"{path}: unknown filter(s) {', '.join(unknown)} (see {FILTERS_FILE})")
    raw_cards = raw.get("cards")
    if not isinstance(raw_cards, list) or not raw_cards:
        raise DashboardError(f"{path}: cards must be a non-empty list")
    cards = tuple(_card(c, f"{path}: card {n + 1}", set(offered)) for n, c in enumerate(raw_cards))
    ids = [c.id for c in cards]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise DashboardError(f"{path}: card id(s) used twice: {', '.join(duplicates)}")
    _check_overlaps(path, cards)
    order = raw.get("order", 0)
    if not isinstance(order, int):
        raise DashboardError(f"{path}: order must be an integer")
    return Dashboard(path.stem, _text(raw, "title", str(path)), str(raw.get("description", "")).strip(),
                     tuple(filters[f] for f in offered), cards, path, order)


def _card(raw: Any, where: str, offered: set[str]) -> Card:
    raw = _mapping(raw, where)
    card_id = _text(raw, "id", where)
    where = f"{where} ({card_id})"
    display = _text(raw, "display", where)
    if display not in DISPLAYS:
        raise DashboardError(f"{where}: display {display!r} is not one of {', '.join(DISPLAYS)}")
    sql = _text(raw, "sql", where).strip()
    placeholders = set(PLACEHOLDERS.findall(sql))
    unknown = placeholders - {"filters", DATE_RANGE}
    if unknown:
        raise DashboardError(f"{where}: unknown placeholder(s) {', '.join(sorted(unknown))} "
                             "(a card's SQL takes {{filters}} and {{date_range}})")
    if DATE_RANGE in placeholders and DATE_RANGE not in offered:
        raise DashboardError(f"{where}: uses {{{{date_range}}}} but the dashboard offers no date_range filter")
    source = raw.get("source")
    if placeholders and not source:
        raise DashboardError(f"{where}: a card with filters names its source table (e.g. focus.cost_and_usage)")
    pos = _mapping(raw.get("position"), f"{where}: position")
    try:
        position = Position(int(pos["col"]), int(pos["row"]), int(pos["width"]), int(pos["height"]))
    except (KeyError, TypeError, ValueError):
        raise DashboardError(f"{where}: position needs integer col, row, width and height") from None
    if position.col < 0 or position.row < 0 or position.size_x < 1 or position.size_y < 1 \
            or position.col + position.size_x > GRID_COLUMNS:
        raise DashboardError(f"{where}: position does not fit the {GRID_COLUMNS}-column grid")
    chart = _mapping(raw.get("chart", {}), f"{where}: chart")
    if display in ("line", "area", "bar", "stacked_bar") and not (chart.get("x") and chart.get("y")):
        raise DashboardError(f"{where}: a {display} chart needs chart.x and chart.y")
    y = chart.get("y", [])
    return Card(card_id, _text(raw, "title", where), display, sql, position, source,
                str(raw.get("description", "")).strip(), chart.get("x"),
                tuple([y] if isinstance(y, str) else y), chart.get("series"))


def _check_overlaps(path: Path, cards: tuple[Card, ...]) -> None:
    taken: dict[tuple[int, int], str] = {}
    for card in cards:
        p = card.position
        for cell in ((c, r) for c in range(p.col, p.col + p.size_x) for r in range(p.row, p.row + p.size_y)):
            if cell in taken:
                raise DashboardError(f"{path}: cards {taken[cell]} and {card.id} overlap on the grid")
            taken[cell] = card.id


def _yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        raise DashboardError(f"{path}: not valid YAML ({exc})") from None


def _mapping(value: Any, where: str) -> dict:
    if not isinstance(value, dict):
        raise DashboardError(f"{where}: expected a mapping")
    return value


def _text(raw: dict, key: str, where: str) -> str:
    value = raw.get(key)
    if not isinstance(value, str) or not value.strip():
        raise DashboardError(f"{where}: {key} is missing")
    return value
