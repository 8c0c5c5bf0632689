"""Benchmark: import a clean 1,000-row needs spreadsheet (target: under 30 s).

Run: .venv/bin/python bench/import_needs.py   (uses a throwaway SQLite database in memory
unless DATABASE_URL is set; on PostgreSQL it writes into that database and rolls back).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings_test")
if not os.environ.get("DATABASE_URL"):
    os.environ["DATABASE_URL"] = "sqlite://:memory:"

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import transaction  # noqa: E402


def main() -> None:
    call_command("migrate", verbosity=0)
    from accounts.models import Membership
    from portal.models import Need
    from portal.services.imports import posting_import
    from tests.accounts.factories import MembershipFactory, OrganizationFactory, UserFactory
    from tests.portal.import_files import need_rows, xlsx_bytes

    class Rollback(Exception):
        pass

    try:
        with transaction.atomic():
            bureau = OrganizationFactory(name="基准科技局", org_type="bureau", region_code="370100")
            staff = UserFactory(username="bench-staff")
            MembershipFactory(user=staff, organization=bureau, role=Membership.Role.STAFF)
            content = xlsx_bytes(need_rows(1000))
            started = time.perf_counter()
            report = posting_import(kind="need", by=staff, name="needs.xlsx", content=content)
            elapsed = time.perf_counter() - started
            assert report.ok, report.errors[:5]
            assert Need.objects.count() == 1000
            print(f"imported {report.created} rows in {elapsed:.2f} s (limit 30 s)")
            if elapsed >= 30:
                print("FAIL: import slower than 30 s")
                sys.exit(1)
            raise Rollback
    except Rollback:
        pass


if __name__ == "__main__":
    main()
