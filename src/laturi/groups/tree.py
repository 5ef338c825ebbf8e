"""Pure tree arithmetic over (id, parent id) pairs."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping


def children_map(edges: Iterable[tuple[int, int | None]]) -> dict[int | None, list[int]]:
    children: dict[int | None, list[int]] = defaultdict(list)
    for node, parent in edges:
        children[parent].append(node)
    return children


def descendants(edges: Iterable[tuple[int, int | None]], root: int) -> set[int]:
    """The root and everything under it."""
    children = children_map(edges)
    found, stack = {root}, [root]
    while stack:
        for child in children.get(stack.pop(), []):
            if child not in found:
                found.add(child)
                stack.append(child)
    return found


def subtree_totals(
    edges: Iterable[tuple[int, int | None]], own: Mapping[int, int]
) -> dict[int, int]:
    """Each node's own count plus those of everything under it."""
    pairs = list(edges)
    children = children_map(pairs)
    totals: dict[int, int] = {}

    def total(node: int) -> int:
        if node not in totals:
            totals[node] = own.get(node, 0) + sum(total(c) for c in children.get(node, []))
        return totals[node]

    for node, _ in pairs:
        total(node)
    return totals


def depths(edges: Iterable[tuple[int, int | None]], root: int) -> dict[int, int]:
    """Distance from the root for every node under it."""
    children = children_map(edges)
    found, stack = {root: 0}, [root]
    while stack:
        node = stack.pop()
        for child in children.get(node, []):
            found[child] = found[node] + 1
            stack.append(child)
    return found


def preorder(
    edges: Iterable[tuple[int, int | None]], root: int, names: Mapping[int, str]
) -> list[int]:
    """The subtree in reading order: each node before its children, siblings by name."""
    children = children_map(edges)
    order: list[int] = []
    stack = [root]
    while stack:
        node = stack.pop()
        order.append(node)
        kids = sorted(children.get(node, []), key=lambda n: names[n].lower(), reverse=True)
        stack.extend(kids)
    return order
