"""The apps are layered one way: core <- outbox <- governance <- workflow <- notifications <- config. A
module may import its own app and the apps below it, never one above (whether at the top of the module or
inside a function, where an import would only hide the cycle)."""

import ast
import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LAYERS = ("core", "outbox", "governance", "workflow", "notifications", "config")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            found.add(node.module)
    return found


def upward_imports() -> set[tuple[str, str]]:
    upward = set()
    for rank, app in enumerate(LAYERS):
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" in path.parts:
                continue  # a migration names the models of its dependencies as Django wrote them
            for module in _imports(path):
                top = module.split(".")[0]
                if top in LAYERS and LAYERS.index(top) > rank:
                    upward.add((path.relative_to(ROOT).as_posix(), module))
    return upward


def test_no_app_imports_an_app_above_it() -> None:
    upward = upward_imports()
    assert not upward, f"imports that run up the layers {LAYERS}: {sorted(upward)}"


def test_the_walk_sees_an_upward_import(tmp_path, monkeypatch) -> None:
    app = tmp_path / "governance"
    app.mkdir()
    (app / "bad.py").write_text("def f():\n    from notifications.models import ReminderRule\n")
    for other in set(LAYERS) - {"governance"}:
        (tmp_path / other).mkdir()
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    assert upward_imports() == {("governance/bad.py", "notifications.models")}


def test_every_layer_is_packaged_and_built_into_the_image() -> None:
    """A wheel or an image without one of the apps fails at start-up, not in the tests (they run from the
    checkout): the package list and the Dockerfile's install step name every layer, in its order."""
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    packaged = pyproject["tool"]["setuptools"]["packages"]["find"]["include"]
    assert packaged == [f"{app}*" for app in LAYERS]
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    before_install = dockerfile.split("RUN pip install", 1)[0]
    copied = tuple(re.findall(r"^COPY (\w+) \1$", before_install, flags=re.M))
    assert copied == LAYERS
