"""No import cycle crosses apps at module level (the brief: "no cycles between apps").

import-linter's layers contract forbids upward imports except its listed exceptions, and
its acyclic contract covers the modules inside each app; neither looks for a cycle that
runs through modules of several apps by way of those exceptions. This does: every strongly
connected component of the module import graph must stay inside one app."""

from __future__ import annotations

import grimp


def _cycles(graph: grimp.ImportGraph) -> list[set[str]]:
    """Strongly connected components with more than one module (iterative Tarjan)."""
    adjacency = {m: sorted(graph.find_modules_directly_imported_by(m)) for m in graph.modules}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[set[str]] = []
    counter = 0
    for root in sorted(adjacency):
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node, child = work.pop()
            if child == 0:
                index[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            neighbours = adjacency[node]
            if child < len(neighbours):
                work.append((node, child + 1))
                nxt = neighbours[child]
                if nxt not in index:
                    work.append((nxt, 0))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(component)
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return found


def _app(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def test_the_finder_sees_a_cycle_between_two_apps() -> None:
    graph = grimp.ImportGraph()
    for module in ("p.a.x", "p.b.y", "p.b.z"):
        graph.add_module(module)
    graph.add_import(importer="p.a.x", imported="p.b.y")
    graph.add_import(importer="p.b.y", imported="p.b.z")
    graph.add_import(importer="p.b.z", imported="p.a.x")
    assert [{_app(m) for m in c} for c in _cycles(graph)] == [{"a", "b"}]


def test_no_import_cycle_crosses_apps() -> None:
    graph = grimp.build_graph("blockdesk", exclude_type_checking_imports=True)
    crossing = [sorted(c) for c in _cycles(graph) if len({_app(m) for m in c}) > 1]
    assert crossing == []
