"""A non-editable install (the container's ``pip install .``) carries the UI's files.

The wheel is built from a copy of exactly what the Containerfile's build stage copies, so a
directory missing from either the Containerfile or pyproject.toml fails here.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
# Top-level directory -> where the installed package keeps it.
MAPPED = {"templates": "server/web/templates", "static": "server/web/static"}
PRESETS = "server/web/mappings"


def build_stage_sources() -> list[str]:
    """What the Containerfile's build stage copies from the build context."""
    text = (ROOT / "Containerfile").read_text(encoding="utf-8")
    build_stage = text.split("FROM ")[1]
    sources = []
    for line in build_stage.splitlines():
        words = line.split()
        if words[:1] == ["COPY"] and not any(word.startswith("--") for word in words):
            sources += words[1:-1]
    return sources


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    context = tmp_path_factory.mktemp("context")
    for source in build_stage_sources():
        if (ROOT / source).is_dir():
            ignore = shutil.ignore_patterns("__pycache__")
            shutil.copytree(ROOT / source, context / source, ignore=ignore)
        else:
            shutil.copy2(ROOT / source, context / source)
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--quiet",
            "-w",
            str(out),
            str(context),
        ],
        check=True,
        capture_output=True,
    )
    [built] = out.glob("switchboard-*.whl")
    return built


def files_under(directory: Path, pattern: str = "**/*") -> list[Path]:
    return [path for path in directory.glob(pattern) if path.is_file()]


def test_the_wheel_carries_every_template_static_file_and_preset(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {
        f"{MAPPED[top]}/{path.relative_to(ROOT / top).as_posix()}"
        for top in MAPPED
        for path in files_under(ROOT / top)
    }
    expected |= {f"{PRESETS}/{path.name}" for path in files_under(ROOT / "mappings", "*.yaml")}
    assert "server/web/templates/base.html" in expected
    assert "server/web/static/vendor/htmx-2.0.11.min.js" in expected
    assert sorted(expected - names) == []


def test_the_wheel_carries_every_module(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    modules = {
        path.relative_to(ROOT).as_posix() for path in files_under(ROOT / "server", "**/*.py")
    }
    assert sorted(modules - names) == []


def test_an_installed_copy_finds_its_files_inside_the_package(wheel: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    probe = (
        "import server.web.assets as a, server.web.presets as p;"
        "print(a.__file__);"
        "[print(a.asset_directory(kind)) for kind in ('templates', 'static', 'mappings')];"
        "print(len(p.available_presets()))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=tmp_path,
        env={"PYTHONPATH": str(site), "PATH": ""},
        check=True,
        capture_output=True,
        text=True,
    )
    module, templates, static, mappings, presets = result.stdout.split("\n")[:5]
    assert Path(module).is_relative_to(site)
    assert Path(templates) == site / "server/web/templates"
    assert Path(static) == site / "server/web/static"
    assert Path(mappings) == site / "server/web/mappings"
    assert int(presets) == len(files_under(ROOT / "mappings", "*.yaml"))
