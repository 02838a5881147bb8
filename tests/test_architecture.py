"""The layout stays true: import contracts (pyproject.toml, [tool.importlinter]) and no
import cycles between modules.

import-linter checks the layers. What it cannot say is checked here with grimp, the
import graph it is built on: no cycle among the imports that run when a module loads,
and no HTTP machinery in the RDF mapping (it can only forbid whole external packages).
"""

import shutil
import subprocess
import sys
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("catalogue", "provenance", "config", "lib")
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"

# Module-level import cycles that are allowed, as (importer, imported) edges that break
# them, each with the reason. None today: keep it that way.
ALLOWED_CYCLE_EDGES: set[tuple[str, str]] = set()


def _lint_imports(cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"], cwd=cwd, capture_output=True, text=True, timeout=300, check=False
    )


def _source_path(module: str) -> Path:
    base = ROOT / module.replace(".", "/")
    return base / "__init__.py" if base.is_dir() else base.with_suffix(".py")


def _module_level_edges(graph: grimp.ImportGraph) -> dict[str, set[str]]:
    """importer -> imported, counting only imports at the top of a module (not indented):
    the ones that run when it loads. An import inside a function runs later and cannot
    make a module fail to load; grimp reports both, with line numbers to tell them apart."""
    edges: dict[str, set[str]] = {}
    for importer in graph.modules:
        lines = _source_path(importer).read_text().splitlines()
        for imported in graph.find_modules_directly_imported_by(importer):
            details = graph.get_import_details(importer=importer, imported=imported)
            if any(not lines[d["line_number"] - 1][:1].isspace() for d in details):
                edges.setdefault(importer, set()).add(imported)
    return edges


def import_cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for successor in sorted(edges.get(node, ())):
            if successor not in index:
                visit(successor)
                low[node] = min(low[node], low[successor])
            elif successor in on_stack:
                low[node] = min(low[node], index[successor])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    nodes = set(edges) | {m for targets in edges.values() for m in targets}
    for node in sorted(nodes):
        if node not in index:
            visit(node)
    return cycles


def test_import_contracts_are_kept():
    result = _lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_forbidden_import_breaks_its_contract(tmp_path):
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    records = tmp_path / "catalogue" / "models" / "records.py"
    records.write_text(records.read_text() + "\nfrom catalogue import services  # noqa: E402\n")

    result = _lint_imports(tmp_path)

    assert result.returncode == 1, result.stdout + result.stderr
    assert "models import no services, queries, pages, API, forms or tasks BROKEN" in " ".join(result.stdout.split())
    assert "catalogue.models.records -> catalogue.services" in result.stdout


def test_no_module_level_import_cycles():
    graph = grimp.build_graph(*PACKAGES, exclude_type_checking_imports=True)
    edges = _module_level_edges(graph)
    for importer, imported in ALLOWED_CYCLE_EDGES:
        edges[importer].discard(imported)

    assert import_cycles(edges) == []


def test_cycle_finder_reports_a_cycle_and_nothing_else():
    edges = {"a.views": {"a.queries"}, "a.queries": {"a.models", "a.rules"}, "a.rules": {"a.queries"}}

    assert import_cycles(edges) == [["a.queries", "a.rules"]]


def test_rdf_mapping_imports_no_http_machinery():
    graph = grimp.build_graph(*PACKAGES, include_external_packages=True)
    mapping = {"catalogue.rdf", "provenance.rdf"} | graph.find_descendants("catalogue.rdf")
    offending = [
        f"{module}:{detail['line_number']} {detail['line_contents']}"
        for module in sorted(mapping)
        for detail in graph.get_import_details(importer=module, imported="django")
        if detail["line_contents"].startswith(("from django.http", "from django.views", "import django.http"))
        or detail["line_contents"].startswith("import django.views")
    ]

    assert offending == []
