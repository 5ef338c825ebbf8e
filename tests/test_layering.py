"""Imports inside src/laturi go one way: no cycle between packages (sub-packages count alone)."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import laturi

ROOT = Path(laturi.__file__).resolve().parent


def _package_of(module: str) -> str:
    """`laturi.stations.panel.web` -> `laturi.stations.panel`; top-level modules stand alone."""
    path = ROOT.parent / Path(*module.split("."))
    if path.is_dir():
        return module
    parent = module.rpartition(".")[0]
    return module if parent == "laturi" else parent


def _graph() -> dict[str, set[str]]:
    edges: dict[str, set[str]] = defaultdict(set)
    for file in ROOT.rglob("*.py"):
        module = ".".join(file.relative_to(ROOT.parent).with_suffix("").parts)
        module = module.removesuffix(".__init__")
        source = _package_of(module)
        for node in ast.walk(ast.parse(file.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                targets = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
                for target in targets:
                    if not target.startswith("laturi."):
                        continue
                    if (ROOT.parent / Path(*target.split("."))).with_suffix(".py").exists() or (
                        ROOT.parent / Path(*target.split("."))
                    ).is_dir():
                        dest = _package_of(target)
                        if dest != source:
                            edges[source].add(dest)
    return edges


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one package (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in edges.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in list(edges):
        if node not in index:
            visit(node)
    return found


def test_no_import_cycle_between_packages() -> None:
    assert _cycles(_graph()) == []


def test_the_check_sees_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == [["a", "b", "c"]]


def test_domains_services_import_no_web_framework() -> None:
    framework = ("fastapi", "starlette", "ocpp")
    offenders = []
    for file in list(ROOT.rglob("service.py")) + list(ROOT.rglob("repository.py")):
        for node in ast.walk(ast.parse(file.read_text())):
            if isinstance(node, ast.Import | ast.ImportFrom):
                names = (
                    [node.module or ""]
                    if isinstance(node, ast.ImportFrom)
                    else [a.name for a in node.names]
                )
                if any(n.split(".")[0] in framework for n in names):
                    offenders.append(str(file.relative_to(ROOT)))
    assert offenders == []
