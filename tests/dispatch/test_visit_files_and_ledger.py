"""Photos and reports on visits (checked by their bytes, seen only by the expert, the served
enterprise and the round's staff), the enterprise's notice to confirm, the to-do links and
the ledger's Excel export."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import Notification
from matching.pairs.todo import programme_todos
from portal.dispatch import services
from portal.dispatch.models import Assignment, Round, Visit
from portal.models import Attachment
from portal.services.attachments import attachment_bytes_for_tests

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _png(name: str = "现场.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, attachment_bytes_for_tests("png"), "image/png")


def _published(world: dict[str, Any], staff: Any, field: Any) -> Assignment:
    round_ = world["round"]
    services.volunteer(
        user=world["prof"], round_=round_, capacity=3, field_ids=[field.pk], districts=["370100"]
    )
    services.round_solve(user=staff, round_=round_)
    services.round_publish(user=staff, round_=round_)
    return Assignment.objects.get()


def _logged(world: dict[str, Any], row: Assignment, problem: str = "缩痕") -> Visit:
    return services.visit_log(
        user=world["prof"],
        assignment_id=row.pk,
        date=timezone.localdate(),
        mode="onsite",
        problem=problem,
        advice="保压",
    )


def _log(client: Client, row: Assignment, **files: Any) -> Any:
    return client.post(
        reverse("dispatch:visit-log", args=[row.pk]),
        {
            "date": timezone.localdate().isoformat(),
            "mode": "onsite",
            "problem": "注塑件表面缩痕",
            "advice": "延长保压时间",
            **files,
        },
    )


def test_a_visit_keeps_its_photos_for_those_entitled(world, staff, alice, charlie, field) -> None:  # type: ignore[no-untyped-def]
    row = _published(world, staff, field)
    report = SimpleUploadedFile("诊断报告.pdf", attachment_bytes_for_tests("pdf"))
    response = _log(_client(world["prof"]), row, attachments=[_png(), report])
    assert response.status_code == 302
    visit = Visit.objects.get()
    files = list(Attachment.objects.filter(object_id=visit.pk).order_by("pk"))
    assert [f.original_name for f in files] == ["现场.png", "诊断报告.pdf"]
    url = reverse("dispatch:visit-attachment", args=[visit.pk, files[0].pk])
    page = _client(alice).get(reverse("dispatch:visit-rate", args=[visit.pk])).content.decode()
    assert url in page
    assert "诊断报告.pdf" in page
    for user, code in ((world["prof"], 200), (alice, 200), (staff, 200), (charlie, 404)):
        assert _client(user).get(url).status_code == code, user
    assert Client().get(url).status_code == 302  # to the login page
    ledger = _client(staff).get(reverse("dispatch:ledger", args=[row.round_id])).content.decode()
    assert url in ledger


def test_a_bad_file_refuses_the_whole_visit(world, staff, field) -> None:  # type: ignore[no-untyped-def]
    row = _published(world, staff, field)
    fake = SimpleUploadedFile("照片.png", b"MZ\x90\x00 not an image")
    response = _log(_client(world["prof"]), row, attachments=[_png(), fake])
    assert response.status_code == 200
    assert "照片.png：不支持的文件类型" in response.content.decode()
    assert not Visit.objects.exists()
    assert not Attachment.objects.exists()


def test_photos_can_be_added_later_by_the_expert_only(world, staff, alice, field) -> None:  # type: ignore[no-untyped-def]
    row = _published(world, staff, field)
    assert _log(_client(world["prof"]), row).status_code == 302
    visit = Visit.objects.get()
    url = reverse("dispatch:visit-attach", args=[visit.pk])
    assert _client(alice).post(url, {"attachments": [_png()]}).status_code == 403
    added = _client(world["prof"]).post(url, {"attachments": [_png("第二次.png")]})
    assert added.status_code == 302
    assert Attachment.objects.get().original_name == "第二次.png"
    too_many = _client(world["prof"]).post(
        url, {"attachments": [_png(f"{i}.png") for i in range(10)]}
    )
    assert "最多 10 个附件" in too_many.content.decode()
    assert Attachment.objects.count() == 1


def test_the_api_takes_photos_with_the_visit_and_later(world, staff, alice, field) -> None:  # type: ignore[no-untyped-def]
    row = _published(world, staff, field)
    prof = APIClient()
    prof.force_authenticate(world["prof"])
    base = f"/api/dispatch/{row.round_id}/assignments/{row.pk}/visits/"
    data = {
        "date": timezone.localdate().isoformat(),
        "mode": "remote",
        "problem": "缩痕",
        "advice": "保压",
        "attachments": [_png()],
    }
    created = prof.post(base, data, format="multipart")
    assert created.status_code == 201, created.content
    body = created.json()
    assert [a["name"] for a in body["attachments"]] == ["现场.png"]
    later = f"/api/dispatch/visits/{body['id']}/attachments/"
    bad = prof.post(later, {"attachments": [SimpleUploadedFile("a.pdf", b"nope")]}, "multipart")
    assert bad.status_code == 400
    assert "不支持的文件类型" in str(bad.json())
    enterprise = APIClient()
    enterprise.force_authenticate(alice)
    assert enterprise.post(later, {"attachments": [_png()]}, "multipart").status_code == 403
    added = prof.post(later, {"attachments": [_png("二.png")]}, "multipart")
    assert added.status_code == 201
    assert [a["name"] for a in added.json()["attachments"]] == ["现场.png", "二.png"]


def test_the_enterprise_is_asked_to_confirm_each_visit(world, staff, alice, bob, field) -> None:  # type: ignore[no-untyped-def]
    row = _published(world, staff, field)
    visit = _logged(world, row)
    rate = reverse("dispatch:visit-rate", args=[visit.pk])
    for person in (alice, bob):
        notice = Notification.objects.get(user=person, event_key__startswith="dispatch-visit:")
        assert notice.url == rate
        assert "请确认" in notice.subject
    assert not Notification.objects.filter(
        user=world["prof"], event_key__startswith="dispatch-visit:"
    ).exists()


def test_the_to_do_items_link_to_where_they_are_done(world, staff, field) -> None:  # type: ignore[no-untyped-def]
    import time_machine

    row = _published(world, staff, field)
    with time_machine.travel(timezone.now() + dt.timedelta(days=20)):
        visit = _logged(world, row)
    Visit.objects.filter(pk=visit.pk).update(created_at=timezone.now() - dt.timedelta(days=8))
    groups = {g.key: g for g in programme_todos(user=staff)}
    [item] = groups["dispatch-unconfirmed"].items
    assert item.url == reverse("dispatch:ledger", args=[row.round_id]) + f"#visit-{visit.pk}"
    assert _client(staff).get(item.url).status_code == 200


def test_the_ledger_exports_to_excel_with_real_numbers_and_dates(  # type: ignore[no-untyped-def]
    world, staff, alice, field
) -> None:
    row = _published(world, staff, field)
    visit = _logged(world, row, problem='=HYPERLINK("http://evil")')
    services.visit_rate(user=alice, visit_id=visit.pk, rating=5, comment="很好")
    url = reverse("dispatch:ledger-export", args=[row.round_id])
    assert _client(alice).get(url).status_code in (403, 404)
    response = _client(staff).get(url)
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == [
        "产业特派员工作台账",
        "特派员派出单位",
        "特派员服务覆盖",
        "特派员负荷（按领域）",
        "服务记录",
    ]
    experts = list(book["产业特派员工作台账"].values)
    assert experts[1][:8] == ("王教授", "材料研究院", 3, 1, 1, 1, 0, 0)
    assert experts[1][8] == 5
    visits = list(book["服务记录"].values)
    assert visits[1][0] == dt.datetime.combine(timezone.localdate(), dt.time())
    assert visits[1][4] == '\'=HYPERLINK("http://evil")'
    assert isinstance(visits[1][7], dt.datetime)
    assert Round.objects.get(pk=row.round_id).status == Round.Status.PUBLISHED


def test_the_daily_reminders_reach_idle_experts_and_slow_enterprises_once(  # type: ignore[no-untyped-def]
    world, staff, alice, field
) -> None:
    import time_machine

    from portal.dispatch.tasks import reminders_task

    row = _published(world, staff, field)
    assert reminders_task.delay().get() == 0  # nothing is late yet
    later = timezone.now() + dt.timedelta(days=row.round.visit_due_days + 1)
    with time_machine.travel(later):
        assert reminders_task.delay().get() == 1
        assert reminders_task.delay().get() == 0  # once per assignment
        notice = Notification.objects.get(user=world["prof"], event_key__endswith=":no-visit")
        assert notice.url == reverse("dispatch:visit-log", args=[row.pk])
        visit = _logged(world, row)
    with time_machine.travel(later + dt.timedelta(days=8)):
        assert reminders_task.delay().get() == 1  # alice, the enterprise's only member
        notice = Notification.objects.get(user=alice, event_key__endswith=":remind")
        assert notice.url == reverse("dispatch:visit-rate", args=[visit.pk])
        services.visit_rate(user=alice, visit_id=visit.pk, rating=4)
        assert reminders_task.delay().get() == 0


def test_a_visit_dated_before_the_assignment_is_refused(world, staff, field) -> None:  # type: ignore[no-untyped-def]
    row = _published(world, staff, field)
    before = timezone.localdate(row.round.published_at) - dt.timedelta(days=1)
    response = _client(world["prof"]).post(
        reverse("dispatch:visit-log", args=[row.pk]),
        {"date": before.isoformat(), "mode": "onsite", "problem": "缩痕", "advice": "保压"},
    )
    assert "服务日期不能早于派遣发布日期" in response.content.decode()
    assert not Visit.objects.exists()
