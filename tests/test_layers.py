"""The layers: what import-linter checks (``pyproject.toml``), and the public names rule.

``make lint`` runs ``lint-imports`` with the contracts of ``[tool.importlinter]``: each
layer imports only the layers below it, and the pure layers import no HTTP client,
server, cache store or event loop. Beside it, one rule import-linter has no contract
for: a module imports another package's modules only by their public names, never its
underscore modules.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

SOURCE = Path(__file__).resolve().parent.parent / "src"


def _modules() -> Iterator[tuple[str, Path]]:
    for path in sorted((SOURCE / "pypins").rglob("*.py")):
        parts = path.relative_to(SOURCE).with_suffix("").parts
        yield ".".join(parts), path


def _imported(path: Path) -> Iterator[str]:
    """The ``pypins`` modules ``path`` imports (``from a.b import c`` names ``a.b``)."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module
        elif isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)


def _package(module: str) -> str:
    """The package a module belongs to, below ``pypins`` (``pypins.client``)."""
    return ".".join(module.split(".")[:2])


@pytest.mark.parametrize(("module", "path"), list(_modules()), ids=str)
def test_other_packages_are_imported_by_public_names(module: str, path: Path) -> None:
    """No module imports an underscore module of another package of pypins."""
    own = _package(module)
    for imported in _imported(path):
        if not imported.startswith("pypins."):
            continue
        private = any(part.startswith("_") for part in imported.split(".")[2:])
        assert not (private and _package(imported) != own), f"{module} imports {imported}"
