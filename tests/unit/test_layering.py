"""The import graph is one-way (ARCHITECTURE.md): each module imports only its own layer or lower.

Every import counts — module level, inside functions and under ``if TYPE_CHECKING:`` — because
a lazy import is still a dependency and a type-only one still couples the two modules.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "pytest_multitrust"

#: Layers, bottom to top, by top-level module or subpackage of ``pytest_multitrust``.
LAYERS: tuple[tuple[str, frozenset[str]], ...] = (
    (
        "foundation",
        frozenset(
            {
                "errors",
                "records",
                "jsonl",
                "loading",
                "reliability",
                "thresholds",
                "typedjson",
                "progress",
            }
        ),
    ),
    ("settings", frozenset({"settings", "options"})),
    ("scoring", frozenset({"scoring"})),
    ("models", frozenset({"models"})),
    ("imaging", frozenset({"imaging"})),
    ("tasks", frozenset({"tasks", "official"})),
    ("engine", frozenset({"engine"})),
    ("report", frozenset({"report"})),
    (
        "pytest",
        frozenset(
            {
                "plugin",
                "session",
                "collect",
                "custom",
                "distributed",
                "hookspecs",
                "checks",
                "activation",
                "terminal_progress",
                "worker_progress",
                "item_logging",
                "__init__",
                "__main__",
            }
        ),
    ),
)


def _modules() -> dict[str, Path]:
    modules: dict[str, Path] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules[".".join(parts)] = path
    return modules


MODULES = _modules()


def layer(module: str) -> int:
    """The index in LAYERS of a module's layer."""
    parts = module.split(".")
    top = parts[1] if len(parts) > 1 else "__init__"
    for index, (_, members) in enumerate(LAYERS):
        if top in members:
            return index
    raise LookupError(f"{module} is in no layer: add it to LAYERS and to ARCHITECTURE.md")


def test_each_name_is_in_one_layer() -> None:
    names = [name for _, members in LAYERS for name in members]
    assert len(names) == len(set(names))


def _resolve(name: str) -> str | None:
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def imports(module: str) -> set[str]:
    """The package's modules that ``module`` imports, anywhere in its body."""
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                source = ".".join([*base, *([node.module] if node.module else [])])
            else:
                source = node.module or ""
            # "from a.b import c": c may be a module (a.b.c) or a name in a.b
            names = [f"{source}.{alias.name}" for alias in node.names] or [source]
        for name in names:
            if name.split(".")[0] != "pytest_multitrust":
                continue
            target = _resolve(name)
            if target is not None and target != module:
                found.add(target)
    return found


GRAPH = {module: imports(module) for module in MODULES}


def test_every_module_has_a_layer() -> None:
    for module in MODULES:
        layer(module)


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_point_down(module: str) -> None:
    upward = sorted(t for t in GRAPH[module] if layer(t) > layer(module))
    assert not upward, (
        f"{module} ({LAYERS[layer(module)][0]}) imports a higher layer: "
        + ", ".join(f"{t} ({LAYERS[layer(t)][0]})" for t in upward)
    )


def _cycles() -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for root in sorted(GRAPH):
        if root in index:
            continue
        work: list[tuple[str, list[str]]] = [(root, sorted(GRAPH[root]))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, todo = work[-1]
            if todo:
                nxt = todo.pop()
                if nxt not in index:
                    index[nxt] = low[nxt] = counter
                    counter += 1
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, sorted(GRAPH[nxt])))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component: list[str] = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


#: Loops inside one layer that are allowed, each explained in ARCHITECTURE.md.
ALLOWED_CYCLES: tuple[frozenset[str], ...] = ()


def test_no_import_cycles() -> None:
    cycles = [c for c in _cycles() if frozenset(c) not in ALLOWED_CYCLES]
    assert not cycles, f"import cycles: {cycles}"


def _private_pytest(node: ast.AST) -> bool:
    """Whether ``node`` imports pytest's private ``_pytest`` package, however spelled."""
    if isinstance(node, ast.Import):
        return any(alias.name.split(".")[0] == "_pytest" for alias in node.names)
    if isinstance(node, ast.ImportFrom):
        return (node.module or "").split(".")[0] == "_pytest"
    if isinstance(node, ast.Call) and node.args:  # __import__("_pytest"), import_module(...)
        first = node.args[0]
        return (
            isinstance(first, ast.Constant)
            and isinstance(first.value, str)
            and first.value.split(".")[0] == "_pytest"
            and isinstance(node.func, (ast.Name, ast.Attribute))
            and (getattr(node.func, "id", None) or getattr(node.func, "attr", None))
            in ("__import__", "import_module")
        )
    return False


def test_no_private_pytest_imports() -> None:
    for module, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        found = [node.lineno for node in ast.walk(tree) if _private_pytest(node)]  # type: ignore[attr-defined]
        assert not found, f"{module} imports pytest's private _pytest package (lines {found})"


def test_the_private_pytest_check_sees_each_spelling() -> None:
    for source in (
        "import _pytest",
        "from _pytest._code.code import TerminalRepr",
        "__import__('_pytest')",
        "importlib.import_module('_pytest.nodes')",
    ):
        assert any(_private_pytest(node) for node in ast.walk(ast.parse(source))), source
    assert not any(_private_pytest(n) for n in ast.walk(ast.parse("x = '_pytest'")))


def test_no_reaching_into_private_names_of_other_modules() -> None:
    for module, path in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
                "pytest_multitrust"
            ):
                private = [
                    a.name
                    for a in node.names
                    if a.name.startswith("_") and not a.name.startswith("__")
                ]
                assert not private, f"{module} imports private {private} from {node.module}"


def test_the_checker_sees_an_upward_import() -> None:
    # the graph is real: report imports records (down), and no lower layer imports report
    assert "pytest_multitrust.records" in GRAPH["pytest_multitrust.report.gates"]
    assert layer("pytest_multitrust.report.gates") > layer("pytest_multitrust.records")
