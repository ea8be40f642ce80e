"""The package's structure (DESIGN.md §1): which subpackage may import which, where families may
be named, and how long a function may grow. Read off the source, so it runs in a second."""

import ast
import os
import re

import pytest

from keras_portrait import registry

PACKAGE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                       "keras_portrait")
MAX_FUNCTION_LINES = 100
# Subpackages and modules that must not name a family: they iterate the registry.
FAMILY_FREE = ("data", "export", "cli")


def _modules():
    for folder, _, files in os.walk(PACKAGE):
        for name in sorted(files):
            if name.endswith(".py"):
                path = os.path.join(folder, name)
                yield path, os.path.relpath(path, PACKAGE)


def _unit(relative):
    """The subpackage (or top-level module) a file belongs to: `data`, `face`, `grids`, ..."""
    parts = relative.split(os.sep)
    return parts[0] if len(parts) > 1 else parts[0][:-3]


def _imported_units(tree):
    """The package units a module imports, at any depth (lazy imports inside functions too)."""
    units = set()
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]
            if node.module == "keras_portrait":
                names = [f"keras_portrait.{alias.name}" for alias in node.names]
        for name in names:
            parts = name.split(".")
            if parts[0] == "keras_portrait" and len(parts) > 1:
                units.add(parts[1])
    return units


def _unit_graph():
    graph = {}
    for path, relative in _modules():
        with open(path, encoding="utf-8") as f:
            tree = ast.parse(f.read())
        unit = _unit(relative)
        if unit == "__init__":
            continue
        graph.setdefault(unit, set()).update(_imported_units(tree) - {unit})
    return graph


def _cycle(graph):
    """One import cycle between units as a list, or None."""
    state = {}

    def visit(unit, path):
        state[unit] = "open"
        for other in sorted(graph.get(unit, ())):
            if other not in graph:
                continue
            if state.get(other) == "open":
                return path[path.index(other):] + [other]
            if other not in state:
                found = visit(other, path + [other])
                if found:
                    return found
        state[unit] = "done"
        return None

    for unit in sorted(graph):
        if unit not in state:
            found = visit(unit, [unit])
            if found:
                return found
    return None


def test_the_cycle_finder_finds_a_cycle():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None


def test_no_import_cycle_between_subpackages():
    cycle = _cycle(_unit_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


@pytest.mark.parametrize("lower, upper", [("data", "face"), ("face", "data")])
def test_data_and_face_do_not_import_each_other(lower, upper):
    assert upper not in _unit_graph()[lower]


def test_the_shared_chain_imports_only_downwards():
    graph = _unit_graph()
    chain = ["imaging", "layers", "losses", "networks", "models"]
    for index, unit in enumerate(chain):
        above = set(chain[index + 1:]) | {"export", "cli"}
        assert not graph.get(unit, set()) & above, (unit, graph.get(unit, set()) & above)
    assert not graph["imaging"] & {"data", "face", "metrics"}, graph["imaging"]


@pytest.mark.parametrize("unit", ["data", "face", "metrics", "export"])
def test_the_parts_beside_the_chain_never_import_a_family(unit):
    assert not _unit_graph()[unit] & {"models", "cli"}, _unit_graph()[unit]


def test_no_function_is_longer_than_the_limit():
    long = []
    for path, relative in _modules():
        with open(path, encoding="utf-8") as f:
            tree = ast.parse(f.read())
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = node.end_lineno - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    long.append(f"{relative}:{node.lineno} {node.name} ({length} lines)")
    assert not long, "functions over 100 lines: " + ", ".join(long)


def _family_words():
    words = set()
    for spec in registry.specs():
        words.update({spec.name, spec.model_class.__name__})
    folders = os.listdir(os.path.join(PACKAGE, "models"))
    words.update(name for name in folders
                 if os.path.isdir(os.path.join(PACKAGE, "models", name)) and name != "__pycache__")
    return sorted(words)


@pytest.mark.parametrize("unit", FAMILY_FREE)
def test_family_free_code_names_no_family(unit):
    pattern = re.compile("|".join(re.escape(word) for word in _family_words()), re.IGNORECASE)
    found = []
    for path, relative in _modules():
        if relative.split(os.sep)[0] != unit or (unit == "data" and relative.count(os.sep) > 1):
            continue
        with open(path, encoding="utf-8") as f:
            for number, line in enumerate(f, 1):
                match = pattern.search(line)
                if match:
                    found.append(f"{relative}:{number} {match.group(0)}")
    assert not found, "family names where the registry should be iterated: " + ", ".join(found)
