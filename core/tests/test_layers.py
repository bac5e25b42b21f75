"""The layers stay true (DESIGN.md "Layers", floors in jiangtai/layers.py): no app's code imports
an app on a higher floor, or one beside it unless SIDEWAYS allows it. Lazy imports inside
functions count, and so do modules named to `import_module` / `import_string` and models to
`apps.get_model`. Tests, migrations and bench/ are not checked: a test may import anything."""

import ast
from pathlib import Path

from django.conf import settings

from jiangtai.layers import FLOOR_OF, FLOORS, may_import

SKIPPED_DIRS = {"tests", "migrations", "__pycache__"}
STRING_IMPORTERS = {"import_module", "import_string"}


PROJECT = settings.ROOT_URLCONF.split(".")[0]  # jiangtai: settings and the URL map


def project_packages(base: Path) -> list[str]:
    """Top-level packages of the checkout that are apps, and the project package (bench/ has
    neither an apps.py nor the URL map)."""
    return sorted(
        path.name
        for path in base.iterdir()
        if path.is_dir() and ((path / "apps.py").exists() or path.name == PROJECT)
    )


def _string_arg(node: ast.Call) -> str | None:
    if node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
        return node.args[0].value
    return None


def imported_modules(tree: ast.AST):
    """(line, dotted module name) of every absolute import in the tree, at any depth."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            text = _string_arg(node)
            if text is None:
                continue
            if name in STRING_IMPORTERS:
                yield node.lineno, text
            elif name == "get_model":  # apps.get_model("app", "Model") or ("app.Model")
                yield node.lineno, text.split(".")[0]


def layer_violations(base: Path) -> list[str]:
    apps = project_packages(base)
    found = []
    for app in apps:
        for path in sorted((base / app).rglob("*.py")):
            if SKIPPED_DIRS & set(path.relative_to(base).parts):
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            for line, module in imported_modules(tree):
                target = module.split(".")[0]
                if target in FLOOR_OF and app in FLOOR_OF and not may_import(app, target):
                    found.append(
                        f"{path.relative_to(base)}:{line}: {app} (floor {FLOOR_OF[app]}) "
                        f"imports {module} (floor {FLOOR_OF[target]})"
                    )
    return found


def test_no_app_imports_from_a_higher_floor_or_beside_it():
    violations = layer_violations(Path(settings.BASE_DIR))
    assert not violations, "imports against the layers:\n" + "\n".join(violations)


def test_every_app_has_its_floor():
    base = Path(settings.BASE_DIR)
    assert [app for app in project_packages(base) if app not in FLOOR_OF] == []
    installed = {entry.split(".")[0] for entry in settings.INSTALLED_APPS}
    assert {app for app in project_packages(base) if app != PROJECT} <= installed


def test_each_app_is_on_one_floor():
    listed = [app for floor in FLOORS for app in floor]
    assert len(listed) == len(set(listed))


def _write(base: Path, relative: str, text: str) -> None:
    path = base / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_it_reports_upward_sideways_lazy_and_string_imports(tmp_path):
    for app in ("core", "orgs", "access", "lecturers", "courses", "scheduling", "matching"):
        _write(tmp_path, f"{app}/apps.py", "")
    _write(tmp_path, "core/views.py", "from scheduling.models import Booking\n")
    _write(tmp_path, "orgs/helpers.py", "def f():\n    import access\n")
    _write(tmp_path, "scheduling/views.py", "from matching import selectors\n")
    _write(tmp_path, "access/forms.py", "def f():\n    return apps.get_model('scheduling', 'X')\n")
    _write(tmp_path, "lecturers/jobs.py", "import_string('scheduling.reminders.send')\n")
    # Allowed: downward, sideways where SIDEWAYS says so, inside tests and migrations.
    _write(tmp_path, "matching/engine.py", "import access\nfrom scheduling.models import Booking\n")
    _write(tmp_path, "courses/models.py", "from lecturers.models import Lecturer\n")
    _write(tmp_path, "core/tests/test_x.py", "from matching import engine\n")
    _write(tmp_path, "orgs/migrations/0001_x.py", "from scheduling import models\n")

    found = layer_violations(tmp_path)

    assert [line.split(":")[0] + ":" + line.split(":")[1] for line in found] == [
        "access/forms.py:2",
        "core/views.py:1",
        "lecturers/jobs.py:1",
        "orgs/helpers.py:2",
        "scheduling/views.py:1",
    ]
    assert "core (floor 0) imports scheduling.models (floor 5)" in found[1]
