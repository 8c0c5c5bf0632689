"""The engine is pure Python: importing it loads neither Django nor another app."""

from __future__ import annotations

import subprocess
import sys


def test_the_engine_imports_no_django_and_no_other_app() -> None:
    code = (
        "import sys\n"
        "import matching.engine.recommend, matching.engine.bench_cli\n"
        "import matching.engine.decision_eval\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('django', 'rest_framework', 'celery', 'portal', 'accounts') "
        "or m.startswith(('matching.lists', 'matching.pairs', 'matching.dashboards', "
        "'matching.models')))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert out.stdout.strip() == ""
