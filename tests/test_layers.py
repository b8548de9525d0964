"""The apps are layers that point one way: a module imports only its own app and lower layers.

    receipts        residents, receipts, events, the status service
    distribution    stock, printing, dispatch, pickup days, hand-overs      (reads receipts)
    portal, demo,   the public site, the demo data set, notifications       (read both)
    notifications
    disdukcapil     the project package, beside all of them (below)

``disdukcapil`` is two things. Its shared modules (errors, spreadsheet, cache, env, security,
ratelimit, db_router, health, settings, ...) may be imported by every app, so they import no
app. Its composition root (``urls.py``, which wires every app's URLs, and ``checks.py``, which
reads the roles) may import any app, and so no app imports them.

Every import counts, wherever it is written: at the top, inside a function (a lazy import is
still an arrow), under ``TYPE_CHECKING``, or as ``importlib.import_module("...")``.
"""

import ast
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings

ROOT = Path(settings.BASE_DIR)

# Higher numbers sit above lower ones; apps on the same level do not import each other.
LAYERS = {
    "receipts": 0,
    "distribution": 1,
    "portal": 2,
    "demo": 2,
    "notifications": 2,
}
PROJECT = "disdukcapil"
PROJECT_ROOT_MODULES = {"disdukcapil.urls", "disdukcapil.checks"}


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """(line, absolute module name) of every import in the file, at any depth."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            # ``from portal import views`` imports portal.views: both names count.
            found.append((node.lineno, node.module))
            found += [(node.lineno, f"{node.module}.{alias.name}") for alias in node.names]
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", getattr(node.func, "id", None)) == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found.append((node.lineno, node.args[0].value))
    return found


def _is_within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def refusal(importer: str, module: str) -> str | None:
    """Why ``importer`` (an app or ``disdukcapil``) may not import ``module``; None if it may."""
    target = module.split(".")[0]
    if target == PROJECT:
        if importer != PROJECT and any(_is_within(module, m) for m in PROJECT_ROOT_MODULES):
            return "the project's urls/checks import the apps, never the other way"
        return None
    if target not in LAYERS or target == importer:
        return None  # Django, the standard library, a third-party package, or itself
    if importer == PROJECT:
        return "only disdukcapil/urls.py and checks.py may import an app"
    if LAYERS[target] >= LAYERS[importer]:
        return f"{importer} (layer {LAYERS[importer]}) imports {target} (layer {LAYERS[target]})"
    return None


def violations(package: str) -> list[str]:
    found = {}
    for path in sorted((ROOT / package).rglob("*.py")):
        relative = path.relative_to(ROOT)
        dotted = ".".join(relative.with_suffix("").parts)
        if package == PROJECT and dotted in PROJECT_ROOT_MODULES:
            continue
        for line, module in imported_modules(path):
            reason = refusal(package, module)
            if reason:  # one line per import statement, naming the first module refused
                found.setdefault((str(relative), line), f"{relative}:{line} {module}: {reason}")
    return [found[key] for key in sorted(found)]


PACKAGES = [name for name in (*LAYERS, PROJECT) if (ROOT / name / "__init__.py").exists()]


@pytest.mark.parametrize("package", PACKAGES)
def test_no_module_imports_a_higher_layer(package):
    found = violations(package)
    assert not found, "imports that point up:\n" + "\n".join(found)


def test_every_app_of_the_project_has_a_layer():
    local = {
        config.name.split(".")[0]
        for config in apps.get_app_configs()
        if Path(config.path).resolve().parent == ROOT.resolve()  # a folder of the project
    }
    assert local - set(LAYERS) - {PROJECT} == set(), "place the new app in LAYERS above"


@pytest.mark.parametrize(
    ("importer", "source", "allowed"),
    [
        ("receipts", "from distribution.models import Card", False),
        ("receipts", "def f():\n    from portal import lookup_cache", False),
        ("receipts", "import demo.seeding", False),
        ("receipts", "import importlib\nimportlib.import_module('distribution.roles')", False),
        ("distribution", "from portal.selectors import receipt_lookup", False),
        ("distribution", "from demo import seeding", False),
        ("portal", "from demo.seeding import DemoSeeder", False),
        ("distribution", "from disdukcapil.urls import urlpatterns", False),
        ("disdukcapil", "from receipts.models import Receipt", False),
        ("distribution", "from receipts.models import Receipt", True),
        ("portal", "from distribution.models import PickupSchedule", True),
        ("demo", "from distribution.roles import DEMO_GROUP", True),
        ("receipts", "from disdukcapil.errors import ApplicationError", True),
        ("receipts", "from .models import Receipt", True),
    ],
)
def test_the_rule_itself(tmp_path, importer, source, allowed):
    """The checker sees each kind of arrow (so an empty list above means something)."""
    path = tmp_path / "module.py"
    path.write_text(source + "\n", encoding="utf-8")
    reasons = [refusal(importer, module) for _line, module in imported_modules(path)]
    assert (not any(reasons)) is allowed
