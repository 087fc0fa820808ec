"""The package's shape: imports run one way, from the layers above to the layers below.

A module that imports one above it (even inside a function) ties the two
together: neither can be read, tested or replaced alone, and a circle of
imports breaks as soon as one of them imports the other at module level.
"""
import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "astrospecml"

#: Bottom to top; a module may import from its own layer and the layers below.
LAYERS = (
    {"_config", "_memory", "_registry", "_repr", "_steps", "_torch", "metrics", "model_selection", "io", "nn",
     "simulate", "datasets", "persistence"},
    {"preprocessing", "augmentation"},
    {"classifiers"},
    {"inspection", "candidates", "novelty", "visualization"},
    {"survey"},
    {"pretrained"},
    {"benchmarks"},
    {"cli"},
)


def _modules():
    modules = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return modules


def _imports(modules):
    """``{module: {imported astrospecml module}}``, function-level imports included."""
    graph = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        targets = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")[: len(package.split(".")) - node.level + 1]
                    target = ".".join(base + ([node.module] if node.module else []))
                else:
                    target = node.module or ""
                # "from package import module" imports the module; "from module import name" the module.
                candidates = [f"{target}.{alias.name}" if f"{target}.{alias.name}" in modules else target
                              for alias in node.names]
            elif isinstance(node, ast.Import):
                candidates = [alias.name for alias in node.names]
            else:
                continue
            targets.update(c for c in candidates if c in modules and c != name and c != "astrospecml")
        graph[name] = targets
    return graph


def _top(module):
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else None


GRAPH = _imports(_modules())


def test_every_top_level_module_has_a_layer():
    tops = {_top(module) for module in GRAPH} - {None}
    assert tops == set().union(*LAYERS)


@pytest.mark.parametrize("module", sorted(m for m in GRAPH if _top(m)))
def test_no_module_imports_from_a_layer_above_its_own(module):
    level = {top: i for i, layer in enumerate(LAYERS) for top in layer}
    upward = sorted(t for t in GRAPH[module] if _top(t) and level[_top(t)] > level[_top(module)])
    assert not upward, f"{module} imports from above its layer: {upward}"


def _cycles(graph):
    """Strongly connected components with more than one module (Tarjan, iteratively)."""
    index, low, on_stack, stack, found, counter = {}, {}, set(), [], [], [0]

    def visit(root):
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter[0]
        counter[0] += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter[0]
                    counter[0] += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
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

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return found


def test_the_cycle_finder_finds_a_circle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_import_circles():
    # A package's __init__ importing its own submodules is how packages re-export; leave those edges out.
    graph = {m: {t for t in targets if not t.startswith(m + ".")} for m, targets in GRAPH.items()}
    assert _cycles(graph) == []
