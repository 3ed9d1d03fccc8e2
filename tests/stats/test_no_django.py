"""The statistics and disclosure-control package imports no Django, directly or through
another module (issue 14): loaded in a fresh interpreter where importing Django fails."""

import subprocess
import sys
from pathlib import Path

import cpinspect.stats

MODULES = sorted(p.stem for p in Path(cpinspect.stats.__file__).parent.glob("*.py"))
BLOCK_DJANGO = """
import importlib.abc, sys
class NoDjango(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "django" or name.startswith("django."):
            raise ImportError("cpinspect.stats imported " + name)
sys.meta_path.insert(0, NoDjango())
"""


def test_every_stats_module_loads_without_django():
    assert {"statistics", "disclosure", "linked", "stratified"} <= set(MODULES)
    imports = "; ".join(f"import cpinspect.stats.{m}" for m in MODULES if m != "__init__")
    code = BLOCK_DJANGO + imports + "\nprint('ok')"
    ran = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.strip() == "ok"


def test_the_guard_itself_refuses_django():
    ran = subprocess.run(
        [sys.executable, "-c", BLOCK_DJANGO + "import cpinspect.findings.grading, django.db"],
        capture_output=True,
        text=True,
    )
    assert ran.returncode != 0 and "imported django" in ran.stderr
