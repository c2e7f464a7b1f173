"""Imports point one way: web, cli -> pipeline -> store, delivery -> mapping -> nothing."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SERVER = Path(__file__).resolve().parent.parent / "server"

# Which top-level modules each layer may import (besides the stdlib and third-party packages).
FORBIDDEN: dict[str, tuple[str, ...]] = {
    "mapping": (
        "server.store",
        "server.delivery",
        "server.web",
        "server.pipeline",
        "server.app",
        "server.cli",
        "server.endpoints",
        "server.imports",
        "server.settings",
        "litestar",
        "tortoise",
        "aiohttp",
        "asyncpg",
        "aiosqlite",
        "sqlite3",
        "socket",
        "urllib.request",
        "http.client",
    ),
    "store": (
        "server.delivery",
        "server.web",
        "server.pipeline",
        "server.app",
        "server.cli",
        "litestar",
        "aiohttp",
    ),
    "delivery": (
        "server.store",
        "server.web",
        "server.pipeline",
        "server.app",
        "server.cli",
        "litestar",
        "tortoise",
    ),
}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_layer_imports_point_one_way(layer: str) -> None:
    wrong = []
    for path in sorted((SERVER / layer).rglob("*.py")):
        for name in imported_modules(path):
            if any(name == bad or name.startswith(bad + ".") for bad in FORBIDDEN[layer]):
                wrong.append(f"{path.relative_to(SERVER.parent)} imports {name}")
    assert not wrong, "\n".join(wrong)


def test_the_check_sees_real_imports() -> None:
    assert "server.mapping.errors" in imported_modules(SERVER / "pipeline.py")
