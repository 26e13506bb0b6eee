"""Packages import in one direction: the import graph, read from the source, has no cycles,
and the domain, the REST API and the benchmarks stay clear of what they must not know."""

from __future__ import annotations

import ast
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# The application's own code; tests/ and bench/ are read only for the bench rule.
PRODUCTION = ("api", "bot", "domain", "persistence", "app.py", "settings.py")
CHAT_SDKS = ("slack_bolt", "slack_sdk", "botbuilder", "botframework", "microsoft_agents")


@dataclass(frozen=True)
class Import:
    module: str  # the importing module
    target: str  # what it names: a module, or module.attribute
    line: int

    def __str__(self) -> str:
        return f"{self.module}:{self.line} imports {self.target}"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def source_files(*tops: str) -> Iterator[Path]:
    for top in tops:
        path = ROOT / top
        if path.is_file():
            yield path
        else:
            yield from sorted(p for p in path.rglob("*.py") if "node_modules" not in p.parts)


def imports_of(path: Path) -> Iterator[Import]:
    """Every import in the file, also those inside functions and TYPE_CHECKING blocks."""
    module = module_name(path)
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(module, alias.name, node.lineno)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            yield Import(module, source, node.lineno)
            for alias in node.names:
                yield Import(module, f"{source}.{alias.name}", node.lineno)


def top_level(target: str) -> str:
    return target.split(".")[0]


class Graph:
    """Modules of the given trees, and the packages (their folders) they import."""

    def __init__(self, *tops: str) -> None:
        self.files = {module_name(p): p for p in source_files(*tops)}
        self.imports = [imp for path in self.files.values() for imp in imports_of(path)]

    def resolve(self, target: str) -> str | None:
        """The module of ours a dotted name lands in, or None for third-party names."""
        while target and target not in self.files:
            target = target.rpartition(".")[0]
        return target or None

    def package(self, module: str) -> str:
        """The folder a module sits in, dotted; a top-level module is its own package."""
        path = self.files[module]
        folder = path.parent.relative_to(ROOT).parts
        return ".".join(folder) if folder else module

    def package_edges(self) -> dict[str, dict[str, list[Import]]]:
        edges: dict[str, dict[str, list[Import]]] = defaultdict(lambda: defaultdict(list))
        seen = set()
        for imp in self.imports:
            target = self.resolve(imp.target)
            if target is None or (imp.module, imp.line, target) in seen:
                continue
            seen.add((imp.module, imp.line, target))
            source_pkg, target_pkg = self.package(imp.module), self.package(target)
            if source_pkg != target_pkg:
                edges[source_pkg][target_pkg].append(Import(imp.module, target, imp.line))
        return edges


def cycles(edges: dict[str, dict[str, list[Import]]]) -> list[list[str]]:
    """Strongly connected components of more than one package (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in edges.get(node, {}):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


@pytest.fixture(scope="module")
def production() -> Graph:
    return Graph(*PRODUCTION)


def test_the_graph_sees_the_imports_it_checks(production: Graph) -> None:
    # Guards the other tests against passing on an empty graph.
    edges = production.package_edges()
    assert "bot.language" in edges["bot.voice"]
    assert "bot.language" in edges["bot.dialogs"]
    assert "domain.progress" in edges["domain.services"]
    assert "domain" in edges["persistence"]


def test_no_two_packages_import_each_other(production: Graph) -> None:
    edges = production.package_edges()
    report = []
    for component in cycles(edges):
        report.append(" <-> ".join(component))
        for source in component:
            for target in component:
                report += [f"    {imp}" for imp in edges.get(source, {}).get(target, [])[:3]]
    assert not report, "package import cycles:\n" + "\n".join(report)


def test_domain_knows_no_web_framework_chat_sdk_or_azure(production: Graph) -> None:
    forbidden = {"aiohttp", "azure", *CHAT_SDKS}
    found = [
        str(imp)
        for imp in production.imports
        if imp.module.split(".")[0] == "domain" and top_level(imp.target) in forbidden
    ]
    assert not found


def test_only_channel_adapters_import_a_chat_sdk(production: Graph) -> None:
    found = [
        str(imp)
        for imp in production.imports
        if top_level(imp.target) in CHAT_SDKS and not imp.module.startswith("bot.adapters.")
    ]
    assert not found


def test_rest_api_imports_no_channel_adapter(production: Graph) -> None:
    found = [
        str(imp)
        for imp in production.imports
        if imp.module.split(".")[0] == "api" and imp.target.startswith("bot.adapters")
    ]
    assert not found


def test_benchmarks_import_nothing_from_the_tests() -> None:
    found = [str(imp) for imp in Graph("bench").imports if top_level(imp.target) == "tests"]
    assert not found
