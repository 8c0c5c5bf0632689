"""Matchmaking meetings (对接会): the event, its venues and time slots, the postings it
publishes, who registers, the 1:1 meetings they ask for and where the schedule puts them.

A meeting that goes well is not recorded here as a result: its outcome creates or advances
the pair (:class:`matching.pairs.models.Match`) through :mod:`matching.pairs.services`, and
the meeting keeps a link to that pair. The rules live in :mod:`portal.events.services`.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.validators import validate_region_code
from portal.reference.regions import region_full_name


class Event(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("筹备中")
        PUBLISHED = "published", _("已发布")
        CANCELLED = "cancelled", _("已取消")

    title = models.CharField(_("活动名称"), max_length=200)
    summary = models.TextField(_("活动简介"), max_length=5000, blank=True)
    start_date = models.DateField(_("开始日期"))
    end_date = models.DateField(_("结束日期"))
    registration_deadline = models.DateTimeField(_("报名截止时间"))
    request_cutoff = models.DateTimeField(
        _("洽谈预约截止时间"),
        help_text=_("此后不能再发起洽谈预约，未答复的预约自动失效，不再占用时段。"),
    )
    region_code = models.CharField(
        _("主办地区"), max_length=6, validators=[validate_region_code], db_index=True
    )
    organizer_name = models.CharField(_("主办单位"), max_length=200, blank=True)
    fields = models.ManyToManyField(
        "portal.TechField", verbose_name=_("重点领域"), blank=True, related_name="+"
    )
    alliance = models.ForeignKey(
        "accounts.Alliance",
        verbose_name=_("主办联盟"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="events",
        help_text=_("联盟年会等由联盟主办的活动，会显示在联盟页面。"),
    )
    day_start = models.TimeField(_("每日洽谈开始时间"), default=dt.time(9, 0))
    slot_minutes = models.PositiveSmallIntegerField(
        _("每场洽谈时长(分钟)"),
        default=30,
        validators=[MinValueValidator(10), MaxValueValidator(240)],
    )
    slots_per_day = models.PositiveSmallIntegerField(
        _("每日洽谈场次"), default=12, validators=[MinValueValidator(1), MaxValueValidator(32)]
    )
    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    schedule_published_at = models.DateTimeField(_("日程发布时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("对接会")
        verbose_name_plural = _("对接会")
        ordering = ["-start_date", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=models.F("start_date")), name="event_dates_ordered"
            )
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("events:detail", args=[self.pk])

    @property
    def region_name(self) -> str:
        return region_full_name(self.region_code)

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    @property
    def registration_open(self) -> bool:
        return self.is_published and timezone.now() <= self.registration_deadline

    @property
    def requests_open(self) -> bool:
        return self.is_published and timezone.now() <= self.request_cutoff

    @property
    def is_past(self) -> bool:
        return timezone.localdate() > self.end_date


def venue_order(prefix: str = "") -> models.Case:
    """主会场, then 分会场, then online rooms (the stored values sort otherwise)."""
    field = f"{prefix}kind"
    return models.Case(
        models.When(**{field: "main"}, then=0),
        models.When(**{field: "branch"}, then=1),
        default=2,
        output_field=models.IntegerField(),
    )


class Venue(models.Model):
    """主会场 / 分会场 with an address, or an online room; ``tables`` seat one 1:1 meeting
    each per slot (for an online venue: parallel meeting rooms)."""

    class Kind(models.TextChoices):
        MAIN = "main", _("主会场")
        BRANCH = "branch", _("分会场")
        ONLINE = "online", _("线上会议室")

    event = models.ForeignKey(
        Event, verbose_name=_("对接会"), on_delete=models.CASCADE, related_name="venues"
    )
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("名称"), max_length=100)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    online_url = models.URLField(_("线上会议链接"), blank=True)
    capacity = models.PositiveIntegerField(
        _("容纳人数"), validators=[MinValueValidator(1), MaxValueValidator(100000)]
    )
    tables = models.PositiveSmallIntegerField(
        _("洽谈桌数"), validators=[MinValueValidator(1), MaxValueValidator(500)]
    )

    class Meta:
        verbose_name = _("会场")
        verbose_name_plural = _("会场")
        ordering = ["event", venue_order(), "id"]
        constraints = [
            models.UniqueConstraint(fields=["event", "name"], name="venue_unique_name"),
            models.UniqueConstraint(
                fields=["event"], condition=Q(kind="main"), name="venue_one_main"
            ),
        ]

    def __str__(self) -> str:
        kind = str(self.get_kind_display())
        return self.name if self.name == kind else f"{kind} · {self.name}"

    @property
    def is_online(self) -> bool:
        return self.kind == self.Kind.ONLINE


class Slot(models.Model):
    """One 1:1 meeting time slot of the event (the same for every venue)."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="slots")
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))

    class Meta:
        verbose_name = _("洽谈时段")
        verbose_name_plural = _("洽谈时段")
        ordering = ["event", "starts_at"]
        constraints = [
            models.UniqueConstraint(fields=["event", "starts_at"], name="slot_unique_start")
        ]

    def __str__(self) -> str:
        start = timezone.localtime(self.starts_at)
        end = timezone.localtime(self.ends_at)
        return f"{start:%m-%d %H:%M}–{end:%H:%M}"


class EventPosting(models.Model):
    """A need or a result the event publishes, in the roadshow (路演) order staff arrange."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="postings")
    need = models.ForeignKey(
        "portal.Need", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    result = models.ForeignKey(
        "portal.Result", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    roadshow_order = models.PositiveIntegerField(_("路演顺序"), null=True, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    added_at = models.DateTimeField(_("加入时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("发布项目")
        verbose_name_plural = _("发布项目")
        ordering = ["event", "roadshow_order", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(need__isnull=False, result__isnull=True)
                | Q(need__isnull=True, result__isnull=False),
                name="eventposting_one_kind",
            ),
            models.UniqueConstraint(
                fields=["event", "need"], condition=Q(need__isnull=False), name="eventposting_need"
            ),
            models.UniqueConstraint(
                fields=["event", "result"],
                condition=Q(result__isnull=False),
                name="eventposting_result",
            ),
        ]

    def __str__(self) -> str:
        return str(self.posting)

    @property
    def posting(self):  # type: ignore[no-untyped-def]
        return self.need or self.result

    @property
    def kind(self) -> str:
        return "need" if self.need_id else "result"


class Registration(models.Model):
    """An organisation's registration (per venue, or online) with what it brings."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待审核")
        APPROVED = "approved", _("已通过")
        REJECTED = "rejected", _("未通过")
        CANCELLED = "cancelled", _("已取消")

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="registrations")
    organization = models.ForeignKey(
        "accounts.Organization",
        verbose_name=_("参会单位"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("报名人"),
        on_delete=models.CASCADE,
        related_name="event_registrations",
    )
    venue = models.ForeignKey(
        Venue,
        verbose_name=_("参会会场"),
        on_delete=models.PROTECT,
        related_name="registrations",
    )
    attendees = models.PositiveSmallIntegerField(
        _("参会人数"), default=1, validators=[MinValueValidator(1), MaxValueValidator(20)]
    )
    needs = models.ManyToManyField(
        "portal.Need", verbose_name=_("携带需求"), blank=True, related_name="+"
    )
    results = models.ManyToManyField(
        "portal.Result", verbose_name=_("携带成果"), blank=True, related_name="+"
    )
    experts = models.ManyToManyField(
        "portal.Expert", verbose_name=_("参会专家"), blank=True, related_name="+"
    )
    meeting_cap = models.PositiveSmallIntegerField(
        _("最多洽谈场数"), default=6, validators=[MinValueValidator(1), MaxValueValidator(32)]
    )
    available_slots = models.ManyToManyField(
        Slot, verbose_name=_("可洽谈时段"), blank=True, related_name="+"
    )
    note = models.CharField(_("备注"), max_length=500, blank=True)
    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    reject_reason = models.CharField(_("未通过原因"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("报名时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("报名")
        verbose_name_plural = _("报名")
        ordering = ["event", "created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "organization"],
                condition=~Q(status="cancelled"),
                name="registration_one_per_org",
            )
        ]

    def __str__(self) -> str:
        return f"{self.organization} @ {self.event}"

    @property
    def is_approved(self) -> bool:
        return self.status == self.Status.APPROVED


class MeetingRequest(models.Model):
    """One side asks the other for a 1:1 meeting, or the engine proposes one from a pair.

    ``value`` is what the schedule maximises: accepted participant requests weigh more than
    engine proposals, and the pair's score adds to both.
    """

    class Origin(models.TextChoices):
        PARTICIPANT = "participant", _("参会方发起")
        ENGINE = "engine", _("系统推荐")

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("待工作人员确认")
        PENDING = "pending", _("待对方答复")
        ACCEPTED = "accepted", _("已接受")
        DECLINED = "declined", _("已谢绝")
        EXPIRED = "expired", _("已过期")
        CANCELLED = "cancelled", _("已取消")

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="meeting_requests")
    requester = models.ForeignKey(
        Registration, verbose_name=_("发起方"), on_delete=models.CASCADE, related_name="sent"
    )
    invitee = models.ForeignKey(
        Registration, verbose_name=_("受邀方"), on_delete=models.CASCADE, related_name="received"
    )
    origin = models.CharField(_("来源"), max_length=20, choices=Origin.choices)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, db_index=True)
    # The pair the meeting is about: a need with a result or with an expert (optional until
    # the outcome is recorded; an engine proposal always names its pair).
    need = models.ForeignKey(
        "portal.Need",
        verbose_name=_("技术需求"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    result = models.ForeignKey(
        "portal.Result",
        verbose_name=_("科技成果"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    expert = models.ForeignKey(
        "portal.Expert",
        verbose_name=_("专家"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    match = models.ForeignKey(
        "matching.Match",
        verbose_name=_("对接配对"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    score = models.FloatField(_("匹配得分"), default=0.0)
    value = models.PositiveIntegerField(_("排程权重"), default=1)
    message = models.CharField(_("留言"), max_length=500, blank=True)
    decline_reason = models.CharField(_("谢绝原因"), max_length=500, blank=True)
    unplaced_reason = models.CharField(_("未排入原因"), max_length=30, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("发起时间"), auto_now_add=True)
    responded_at = models.DateTimeField(_("答复时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("洽谈预约")
        verbose_name_plural = _("洽谈预约")
        ordering = ["event", "-value", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(requester=models.F("invitee")), name="meetingrequest_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.requester.organization} → {self.invitee.organization}"

    @property
    def parties(self) -> tuple[Registration, Registration]:
        return self.requester, self.invitee


class Meeting(models.Model):
    """Where the schedule put an accepted request: a slot at a table of a venue.

    ``pinned`` meetings were placed by staff and stay put when the rest is re-solved.
    ``outcome`` is recorded after the event; a positive one creates or advances ``match``.
    """

    class Outcome(models.TextChoices):
        NOT_HELD = "not_held", _("未洽谈")
        NO_INTEREST = "no_interest", _("无合作意向")
        FOLLOW_UP = "follow_up", _("需进一步对接")
        INTENTION = "intention", _("达成意向")
        SIGNED = "signed", _("现场签约")

    request = models.OneToOneField(
        MeetingRequest, verbose_name=_("洽谈预约"), on_delete=models.CASCADE, related_name="meeting"
    )
    slot = models.ForeignKey(
        Slot, verbose_name=_("时段"), on_delete=models.PROTECT, related_name="+"
    )
    venue = models.ForeignKey(
        Venue, verbose_name=_("会场"), on_delete=models.PROTECT, related_name="meetings"
    )
    table = models.PositiveSmallIntegerField(_("桌号"), validators=[MinValueValidator(1)])
    pinned = models.BooleanField(_("人工固定"), default=False)
    outcome = models.CharField(_("洽谈结果"), max_length=20, choices=Outcome.choices, blank=True)
    outcome_note = models.CharField(_("结果说明"), max_length=1000, blank=True)
    contract_amount = models.DecimalField(
        _("合同金额(万元)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    outcome_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    outcome_at = models.DateTimeField(_("记录时间"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("洽谈安排")
        verbose_name_plural = _("洽谈安排")
        ordering = ["slot__starts_at", "venue_id", "table"]
        constraints = [
            models.UniqueConstraint(fields=["slot", "venue", "table"], name="meeting_one_per_table")
        ]

    def __str__(self) -> str:
        return _("%(slot)s %(venue)s %(n)s号桌") % {
            "slot": self.slot,
            "venue": self.venue.name,
            "n": self.table,
        }

    @property
    def is_positive(self) -> bool:
        return self.outcome in (
            self.Outcome.FOLLOW_UP,
            self.Outcome.INTENTION,
            self.Outcome.SIGNED,
        )


class ScheduleRun(models.Model):
    """One solve of an event's schedule: what was asked, what fitted, how good it is."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="schedule_runs")
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("排程时间"), auto_now_add=True)
    requests = models.PositiveIntegerField(_("待排预约"), default=0)
    placed = models.PositiveIntegerField(_("已排入"), default=0)
    pinned = models.PositiveIntegerField(_("人工固定"), default=0)
    value = models.BigIntegerField(_("总权重"), default=0)
    bound = models.BigIntegerField(_("上界"), default=0)
    optimal = models.BooleanField(_("已证明最优"), default=False)
    seconds = models.FloatField(_("求解耗时(秒)"), default=0.0)
    solver_status = models.CharField(_("求解状态"), max_length=30, blank=True)
    unplaced = models.JSONField(_("未排入"), default=list, blank=True)

    class Meta:
        verbose_name = _("排程记录")
        verbose_name_plural = _("排程记录")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.event} · {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def gap(self) -> float:
        return 0.0 if not self.bound else max(0.0, (self.bound - self.value) / self.bound)
