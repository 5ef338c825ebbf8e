"""Property tests of the pure tree arithmetic behind domains and station counts."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from laturi.groups.tree import depths, descendants, preorder, subtree_totals


@st.composite
def trees(draw: st.DrawFn) -> list[tuple[int, int | None]]:
    """Random trees: node i's parent is some earlier node (node 0 is the root)."""
    size = draw(st.integers(1, 40))
    return [(0, None)] + [(i, draw(st.integers(0, i - 1))) for i in range(1, size)]


def _ancestors(edges: list[tuple[int, int | None]], node: int) -> list[int]:
    parent = dict(edges)
    chain = [node]
    while (up := parent[chain[-1]]) is not None:
        chain.append(up)
    return chain


class TestDescendants:
    @given(trees(), st.data())
    def test_exactly_the_nodes_whose_ancestry_passes_through_the_root(
        self, edges: list[tuple[int, int | None]], data: st.DataObject
    ) -> None:
        root = data.draw(st.sampled_from([n for n, _ in edges]))
        expected = {n for n, _ in edges if root in _ancestors(edges, n)}
        assert descendants(edges, root) == expected


class TestSubtreeTotals:
    @given(trees(), st.data())
    def test_a_node_counts_itself_and_everything_below(
        self, edges: list[tuple[int, int | None]], data: st.DataObject
    ) -> None:
        own = {n: data.draw(st.integers(0, 5)) for n, _ in edges}
        totals = subtree_totals(edges, own)
        for node, _ in edges:
            assert totals[node] == sum(own[d] for d in descendants(edges, node))
        assert totals[0] == sum(own.values())


class TestDepths:
    @given(trees())
    def test_depth_is_the_number_of_ancestors(self, edges: list[tuple[int, int | None]]) -> None:
        found = depths(edges, 0)
        for node, _ in edges:
            assert found[node] == len(_ancestors(edges, node)) - 1


class TestPreorder:
    @given(trees())
    def test_every_node_once_and_after_its_parent(
        self, edges: list[tuple[int, int | None]]
    ) -> None:
        order = preorder(edges, 0, {n: f"n{n}" for n, _ in edges})
        assert sorted(order) == [n for n, _ in edges]
        position = {n: i for i, n in enumerate(order)}
        assert all(position[p] < position[n] for n, p in edges if p is not None)
