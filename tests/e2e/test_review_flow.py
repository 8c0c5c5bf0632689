"""Issue 14, staff review tools in the browser: demo_staff narrows the suggestions queue to a
district and a score band, approves two suggestions at once and sees the count drop by two.
Screenshots of the queue and of the needs list at 375 px and 1280 px go to var/screenshots/
(git-ignored); at 375 px nothing overflows sideways and the first need shows on the first
screen."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.conf import settings
from django.core.management import call_command

from accounts.models import User
from matching.lists.bands import score_band
from matching.models import Match, MatchStatus
from matching.pairs.views_review import review_queue_filtered
from portal.models import Need
from tests.e2e.conftest import login, submit, success

pytestmark = pytest.mark.django_db(transaction=True)

SHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"
PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 900}
LIXIA = "370102"  # 济南市历下区


def _no_horizontal_overflow(page: object) -> None:
    widths = page.evaluate(  # type: ignore[attr-defined]
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1], f"the page is {widths[0]} px wide on a {widths[1]} px screen"


def _shoot(page: object, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / name), full_page=True)  # type: ignore[attr-defined]


def _district_and_band(staff: User) -> tuple[str, str]:
    """A district of the staff's city and a band with at least two suggestions waiting.

    The demo postings name cities, not districts, so the test moves the needs of two
    suggestions of the fullest band into 历下区 (as a need entered at district level would be).
    """
    rows = list(review_queue_filtered(user=staff, data={}))
    bands = Counter(score_band(m.score) for m in rows)
    band = bands.most_common(1)[0][0]
    needs = list(dict.fromkeys(m.need_id for m in rows if score_band(m.score) == band))[:2]
    assert len(needs) == 2, bands
    Need.objects.filter(pk__in=needs).update(region_code=LIXIA)
    return LIXIA, band


def _total(page: object) -> int:
    return int(page.inner_text("#queue-total"))  # type: ignore[attr-defined]


def test_staff_filter_the_queue_by_district_and_band_and_approve_two(page: object) -> None:
    call_command("seed_demo")
    staff = User.objects.get(username="demo_staff")
    district, band = _district_and_band(staff)

    login(page, "demo_staff")
    base = page.base_url  # type: ignore[attr-defined]
    page.goto(f"{base}/matching/review/")  # type: ignore[attr-defined]
    everything = _total(page)
    # The district picker names the districts of the staff's city.
    page.select_option("#region-level-3", district)  # type: ignore[attr-defined]
    page.select_option("#id_band", band)  # type: ignore[attr-defined]
    submit(page, "#queue-filters button[type=submit]")
    params = dict(parse_qsl(urlsplit(page.url).query, keep_blank_values=True))  # type: ignore[attr-defined]
    assert params == {"region": district, "band": band}  # no empty parameters in the link
    before = _total(page)
    assert 2 <= before <= everything
    rows = page.locator("#review-table tbody tr.review-row")  # type: ignore[attr-defined]
    assert rows.count() == min(before, 25)  # the header counts the rows the list holds
    picked = [int(rows.nth(i).get_attribute("id").removeprefix("match-")) for i in (0, 1)]
    for pk in picked:
        page.check(f"#pick-{pk}")  # type: ignore[attr-defined]
    assert page.inner_text("[data-selected-count]") == "2"  # type: ignore[attr-defined]
    submit(page, "#bulk-approve")
    assert "已批准 2 条" in success(page)
    assert _total(page) == before - 2
    assert dict(parse_qsl(urlsplit(page.url).query)) == params  # type: ignore[attr-defined]
    assert set(Match.objects.filter(pk__in=picked).values_list("status", flat=True)) == {
        MatchStatus.APPROVED
    }

    page.set_viewport_size(DESKTOP)  # type: ignore[attr-defined]
    _shoot(page, "review-queue-1280.png")
    page.set_viewport_size(PHONE)  # type: ignore[attr-defined]
    page.reload()  # type: ignore[attr-defined]
    _no_horizontal_overflow(page)
    # Filters fold behind one button; the first suggestion is a card on the first screen.
    assert page.locator("#queue-filters").is_hidden()  # type: ignore[attr-defined]
    first = page.locator("#review-table tbody tr.review-row").first  # type: ignore[attr-defined]
    box = first.bounding_box()
    assert box is not None
    assert box["y"] < PHONE["height"]
    assert box["width"] <= PHONE["width"]
    _shoot(page, "review-queue-375.png")

    # The need's own page: its pending suggestions load in place and are approved there.
    need_id = Match.objects.get(pk=picked[0]).need_id
    pending = review_queue_filtered(user=staff, data={"need": str(need_id)}).count()
    page.set_viewport_size(DESKTOP)  # type: ignore[attr-defined]
    page.goto(f"{base}/needs/{need_id}/")  # type: ignore[attr-defined]
    page.wait_for_selector("#need-review")  # type: ignore[attr-defined]
    assert int(page.inner_text("#need-review-total")) == pending  # type: ignore[attr-defined]
    assert pending >= 1  # a demo need has many suggestions; two were approved above
    page.check("#review-form-need input[name=ids] >> nth=0")  # type: ignore[attr-defined]
    submit(page, "#bulk-approve-need")
    assert "已批准 1 条" in success(page)
    assert page.url.endswith(f"/needs/{need_id}/")  # type: ignore[attr-defined]
    page.wait_for_selector("#need-review")  # type: ignore[attr-defined]
    assert int(page.inner_text("#need-review-total")) == pending - 1  # type: ignore[attr-defined]
    page.set_viewport_size(PHONE)  # type: ignore[attr-defined]
    _no_horizontal_overflow(page)
    _shoot(page, "need-detail-staff-375.png")


def test_the_needs_list_reads_well_on_a_phone_and_a_desktop(page: object) -> None:
    call_command("seed_demo")
    base = page.base_url  # type: ignore[attr-defined]
    page.set_viewport_size(PHONE)  # type: ignore[attr-defined]
    page.goto(f"{base}/needs/")  # type: ignore[attr-defined]
    _no_horizontal_overflow(page)
    assert page.locator("#filter-form").is_hidden()  # type: ignore[attr-defined]
    box = page.locator(".posting-card").first.bounding_box()  # type: ignore[attr-defined]
    assert box is not None
    assert box["y"] < PHONE["height"]
    _shoot(page, "needs-list-375.png")
    # Open the filters, pick a province and a city by name: the link carries one region.
    page.click(".filter-toggle")  # type: ignore[attr-defined]
    page.wait_for_selector("#filter-form", state="visible")  # type: ignore[attr-defined]
    page.select_option("#region-level-1", "370000")  # type: ignore[attr-defined]
    page.wait_for_function(  # type: ignore[attr-defined]
        "document.querySelector('#region-level-2').options.length > 1"
    )
    page.select_option("#region-level-2", "370100")  # type: ignore[attr-defined]
    page.wait_for_url(lambda url: url.endswith("/needs/?region=370100"))  # type: ignore[attr-defined]
    page.wait_for_function(  # type: ignore[attr-defined]
        "!document.querySelector('#results').classList.contains('htmx-request')"
    )
    _no_horizontal_overflow(page)
    page.set_viewport_size(DESKTOP)  # type: ignore[attr-defined]
    page.goto(f"{base}/needs/?region=370100")  # type: ignore[attr-defined]
    assert page.locator("#filter-form").is_visible()  # type: ignore[attr-defined]
    _shoot(page, "needs-list-1280.png")
