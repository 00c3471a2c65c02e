"""The packages depend one way: openfinops <- tasks <- flows <- deployments <- cli, and the library has no
import cycle.

The graph is read from the source (ast), not by importing it: every `import` and `from` statement of the
packages' modules, at module level or inside functions, except those under `if TYPE_CHECKING:`.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# Each package may import the ones before it, never the ones after it.
LAYERS = ("openfinops", "tasks", "flows", "deployments", "cli")


@dataclass(frozen=True)
class Edge:
    importer: str
    imported: str
    where: str  # path:line
    module_level: bool  # runs when the importer is imported (not inside a function)


def _module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(path): path for package in LAYERS for path in sorted((REPO / package).rglob("*.py"))}


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(tree: ast.AST, in_function: bool = False):
    """(import node, inside a function?) for every import outside `if TYPE_CHECKING:` blocks."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node, in_function
        elif isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.orelse:
                yield from _imports(ast.Module(body=[child], type_ignores=[]), in_function)
        else:
            yield from _imports(node, in_function or isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef,
                                                                       ast.Lambda)))


def _targets(node: ast.Import | ast.ImportFrom, importer: str, is_package: bool, modules: dict) -> list[str]:
    """The project modules a statement imports: `from pkg import mod` imports pkg.mod when that is a module."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if node.level:
        base = importer.split(".") if is_package else importer.split(".")[:-1]
        base = base[:len(base) - (node.level - 1)]
        base_name = ".".join(base + ([node.module] if node.module else []))
    else:
        base_name = node.module
    return [f"{base_name}.{alias.name}" if f"{base_name}.{alias.name}" in modules else base_name
            for alias in node.names]


def import_graph() -> list[Edge]:
    modules = _modules()
    edges = []
    for name, path in modules.items():
        tree = ast.parse(path.read_text(), filename=str(path))
        for node, in_function in _imports(tree):
            for target in _targets(node, name, path.name == "__init__.py", modules):
                if target.split(".")[0] in LAYERS and target != name:
                    edges.append(Edge(name, target, f"{path.relative_to(REPO)}:{node.lineno}", not in_function))
    return edges


def _cycles(edges: list[Edge]) -> list[list[Edge]]:
    """One cycle per strongly connected group of modules (Tarjan), as the edges that close it."""
    graph: dict[str, list[Edge]] = {}
    for edge in edges:
        graph.setdefault(edge.importer, []).append(edge)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups: list[set[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for edge in graph.get(node, []):
            if edge.imported not in index:
                visit(edge.imported)
                low[node] = min(low[node], low[edge.imported])
            elif edge.imported in stack:
                low[node] = min(low[node], index[edge.imported])
        if low[node] == index[node]:
            group = set()
            while True:
                member = stack.pop()
                group.add(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(group)

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return [[e for e in edges if e.importer in group and e.imported in group] for group in groups]


def test_the_graph_is_read():
    edges = import_graph()
    # a few known edges, so a broken reader cannot pass the tests below by finding nothing
    assert any(e.importer == "flows.billing_import" and e.imported == "tasks.imports" for e in edges)
    assert any(e.importer == "openfinops.importing.loading" and e.imported == "openfinops.warehouse.state"
               for e in edges)  # `from openfinops.warehouse import state`
    assert any(e.importer == "openfinops.importing.planning" and e.imported == "openfinops.importing.exports"
               for e in edges)  # relative
    assert not any(e.imported == "openfinops.importing.exports" and e.importer == "openfinops.providers.aws.config"
                   for e in edges)  # under TYPE_CHECKING only


def test_packages_import_only_the_packages_before_them():
    wrong = [f"{e.where}: {e.importer} imports {e.imported}" for e in import_graph()
             if LAYERS.index(e.imported.split(".")[0]) > LAYERS.index(e.importer.split(".")[0])]
    assert not wrong, "allowed: " + " <- ".join(LAYERS) + "\n" + "\n".join(wrong)


def test_no_import_cycle_between_packages():
    package_edges = [Edge(e.importer.split(".")[0], e.imported.split(".")[0], e.where, e.module_level)
                     for e in import_graph() if e.importer.split(".")[0] != e.imported.split(".")[0]]
    cycles = _cycles(package_edges)
    assert not cycles, "\n".join(f"{e.where}: {e.importer} -> {e.imported}" for cycle in cycles for e in cycle)


def test_no_module_level_import_cycle_in_the_library():
    edges = [e for e in import_graph() if e.module_level and e.importer.startswith("openfinops")
             and e.imported.startswith("openfinops")]
    cycles = _cycles(edges)
    assert not cycles, "\n\n".join("\n".join(f"{e.where}: {e.importer} -> {e.imported}" for e in cycle)
                                   for cycle in cycles)
