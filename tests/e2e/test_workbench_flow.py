"""Issue 14, the to-do home in the browser: on the demo data each role's home lists its own
items; staff approve a suggestion and the enterprise answers a pair and confirms a visit
from their homes, and each item is gone from the home afterwards. The top bar's unread
count matches the inbox and "mark all read" clears it. Screenshots of every role's home at
375 px and 1280 px go to var/screenshots/ (git-ignored)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from accounts.models import Notification, User
from matching.lists import index_cache
from tests.e2e.conftest import login, submit, success, switch_user

pytestmark = pytest.mark.django_db(transaction=True)

SHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"
ROLES = ("staff", "enterprise", "researcher", "expert")


def _fits(page: object) -> bool:
    widths = page.evaluate(  # type: ignore[attr-defined]
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    return bool(widths[0] <= widths[1])


def _home(page: object) -> None:
    page.goto(f"{page.base_url}/")  # type: ignore[attr-defined]
    assert page.locator("#workbench").count() == 1  # type: ignore[attr-defined]


def _count(page: object, key: str) -> int:
    return int(page.get_attribute(f"#group-{key}", "data-count"))  # type: ignore[attr-defined]


def _links(page: object, key: str) -> list[str]:
    return page.eval_on_selector_all(  # type: ignore[attr-defined, no-any-return]
        f"#group-{key} a.workbench-link", "els => els.map(e => e.getAttribute('href'))"
    )


def _screenshots(page: object, role: str) -> None:
    """The home at 1280 px and at 375 px (which must not scroll sideways)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width in (1280, 375):
        page.set_viewport_size({"width": width, "height": 900})  # type: ignore[attr-defined]
        _home(page)
        page.screenshot(path=str(SHOTS / f"home-{role}-{width}.png"), full_page=True)  # type: ignore[attr-defined]
        assert _fits(page), f"{role}'s home overflows at {width} px"
    page.set_viewport_size({"width": 1280, "height": 900})  # type: ignore[attr-defined]


def _badge(page: object) -> str:
    """The unread count in the wide-screen top bar, seen without opening any menu."""
    badge = page.locator("#nav-inbox .nav-inbox-count")  # type: ignore[attr-defined]
    return badge.inner_text().strip() if badge.count() else ""  # type: ignore[no-any-return]


def test_every_role_clears_an_item_from_its_home_and_reads_its_inbox(page: object) -> None:
    # Earlier browser tests flushed the database under this process's cached index, whose
    # version numbers then restart; drop it so seed_demo's postings are matched afresh.
    index_cache.index_cache_clear()
    call_command("seed_demo")

    # Staff: suggestions of their jurisdiction, best first, and the other staff groups.
    login(page, "demo_staff")
    _home(page)
    for key in ("review-postings", "suggestions", "followups", "idle", "milestones"):
        assert page.locator(f"#group-{key}").count() == 1, key  # type: ignore[attr-defined]
    assert _count(page, "suggestions") > 10
    suggestions = _links(page, "suggestions")
    assert len(suggestions) == 10
    assert page.locator("#group-milestones .workbench-item").count() >= 1  # type: ignore[attr-defined]
    assert "/workbench/idle/?band=30" in _links(page, "idle")
    _screenshots(page, "staff")
    before = _count(page, "suggestions")
    with page.expect_navigation():  # type: ignore[attr-defined]
        page.click(f"#group-suggestions a[href='{suggestions[0]}']")  # type: ignore[attr-defined]
    submit(page, "#approve-button")
    success(page)
    _home(page)
    assert suggestions[0] not in _links(page, "suggestions")
    assert _count(page, "suggestions") == before - 1

    # The enterprise: pairs waiting for its answer and a visit to confirm.
    switch_user(page, "demo_enterprise")
    _home(page)
    to_answer = _links(page, "pairs-to-answer")
    assert to_answer, "the demo enterprise has a pair to answer"
    to_confirm = _links(page, "dispatch-to-confirm")
    assert to_confirm
    assert "/rate/" in to_confirm[0]
    assert page.locator("#group-recent-pairs .workbench-item").count() >= 1  # type: ignore[attr-defined]
    _screenshots(page, "enterprise")
    with page.expect_navigation():  # type: ignore[attr-defined]
        page.click(f"#group-pairs-to-answer a[href='{to_answer[0]}']")  # type: ignore[attr-defined]
    submit(page, "#accept-button")
    success(page)
    _home(page)
    assert to_answer[0] not in _links(page, "pairs-to-answer")
    page.goto(f"{page.base_url}{to_confirm[0]}")  # type: ignore[attr-defined]
    page.check("#rating-5")  # type: ignore[attr-defined]
    submit(page, "#rate-form button[type=submit]")
    success(page)
    _home(page)
    assert to_confirm[0] not in _links(page, "dispatch-to-confirm")

    # Its inbox: the top bar's count is the unread count; mark all read clears it.
    enterprise = User.objects.get(username="demo_enterprise")
    unread = Notification.objects.filter(user=enterprise, read_at__isnull=True).count()
    assert unread > 0
    assert _badge(page) == (str(unread) if unread <= 99 else "99+")
    page.click("#nav-inbox")  # type: ignore[attr-defined]
    page.wait_for_load_state()  # type: ignore[attr-defined]
    rows = page.locator("#notification-list .notification")  # type: ignore[attr-defined]
    assert rows.count() >= 1
    first = rows.first
    assert first.locator("time").get_attribute("title")  # the exact time on hover
    assert "前" in first.locator("time").inner_text() or "刚刚" in first.inner_text()
    page.set_viewport_size({"width": 375, "height": 800})  # type: ignore[attr-defined]
    page.screenshot(path=str(SHOTS / "inbox-enterprise-375.png"), full_page=True)  # type: ignore[attr-defined]
    assert _fits(page), "the inbox overflows at 375 px"
    page.set_viewport_size({"width": 1280, "height": 900})  # type: ignore[attr-defined]
    submit(page, "#read-all")
    assert _badge(page) == ""
    assert Notification.objects.filter(user=enterprise, read_at__isnull=True).count() == 0

    # The researcher and the expert: their own groups and pairs with their stage.
    for role in ("researcher", "expert"):
        switch_user(page, f"demo_{role}")
        _home(page)
        for key in ("pairs-to-answer", "my-postings", "recent-pairs"):
            assert page.locator(f"#group-{key}").count() == 1, (role, key)  # type: ignore[attr-defined]
        assert page.locator("#group-recent-pairs .workbench-item .badge").count() >= 1  # type: ignore[attr-defined]
        assert page.locator("#group-suggestions").count() == 0  # type: ignore[attr-defined]
        _screenshots(page, role)

    for role in ROLES:
        for width in (375, 1280):
            assert (SHOTS / f"home-{role}-{width}.png").stat().st_size > 0
