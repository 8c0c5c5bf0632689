"""The world of the authorization matrix (tests/test_authorization_matrix.py): the demo data
plus an enterprise of another organisation and the staff of another region, and the one
object of each kind that every route of the matrix is asked about.

Contexts are personas relative to those objects: every object belongs to the demo
enterprise's organisation (ent_a: own organisation) or to the Jinan bureau's region, so
ent_b is "another organisation", staff is "staff of the object's region" and staff_x (the
Qingdao bureau, 3702) is "staff of another region".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import models

from accounts.models import Alliance, Membership, Notification, User
from matching.lists.models import RematchJob
from matching.pairs.models import Match
from portal.challenges.models import Entry, Milestone, Objection, Programme, Stage
from portal.dispatch.models import Assignment, Round, RoundEnterprise, Visit
from portal.events.models import Event, Meeting, MeetingRequest, Registration, Venue
from portal.models import Need, PostingStatus, Result
from tests.accounts.factories import OrganizationFactory, member

PERSONAS = ("anonymous", "ent_a", "ent_b", "researcher", "expert", "staff", "staff_x", "admin")
DEMO_LOGINS = {
    "ent_a": "demo_enterprise",
    "researcher": "demo_researcher",
    "expert": "demo_expert",
    "staff": "demo_staff",
    "admin": "demo_admin",
}


@dataclass
class World:
    users: dict[str, User | None]
    objects: dict[str, models.Model] = field(default_factory=dict)

    def pk(self, key: str) -> Any:
        return self.objects[key].pk


def build_world() -> World:
    users: dict[str, User | None] = {"anonymous": None}
    for persona, username in DEMO_LOGINS.items():
        users[persona] = User.objects.get(username=username)
    other = OrganizationFactory(name="乙企业有限公司", org_type="enterprise", region_code="370100")
    users["ent_b"] = member("ent_b", other, Membership.Role.ENTERPRISE)
    qingdao = OrganizationFactory(name="青岛市科学技术局", org_type="bureau", region_code="370200")
    users["staff_x"] = member("staff_x", qingdao, Membership.Role.STAFF)
    ent_a, researcher = users["ent_a"], users["researcher"]
    assert ent_a is not None
    assert researcher is not None
    org_a = ent_a.organization
    assert org_a is not None
    o: dict[str, models.Model] = {"org_a": org_a}
    o["need"] = Need.objects.filter(
        organization=org_a, status=PostingStatus.PUBLISHED, region_code__startswith="3701"
    ).first()
    o["result"] = Result.objects.filter(
        organization=researcher.organization, status=PostingStatus.PUBLISHED
    ).first()
    o["expert_profile"] = users["expert"].expert_profile  # type: ignore[union-attr]
    o["match"] = (
        Match.objects.filter(need__organization=org_a, result__organization=researcher.organization)
        .order_by("pk")
        .first()
    )
    o["alliance"] = Alliance.objects.get()
    o["alliance_org"] = o["alliance"].members.exclude(pk=org_a.pk).first()  # type: ignore[attr-defined]
    event = Event.objects.filter(alliance__isnull=True).get()
    o["event"] = event
    o["venue"] = Venue.objects.filter(event=event).order_by("pk").first()
    # the demo's enterprise has not registered for the event: it does so here, and asks
    # another participant for a meeting (what its own pages would have written)
    o["registration"] = Registration.objects.create(
        event=event, organization=org_a, user=ent_a, venue=o["venue"], status="approved"
    )
    o["meeting_request"] = MeetingRequest.objects.create(
        event=event,
        requester=o["registration"],
        invitee=Registration.objects.filter(event=event, status="approved")
        .exclude(pk=o["registration"].pk)
        .order_by("pk")
        .first(),
        origin="participant",
        status="pending",
        need=o["need"],
        created_by=ent_a,
    )
    o["meeting"] = Meeting.objects.filter(request__event=event).order_by("pk").first()
    programme = Programme.objects.get(kind="challenge_list", status="open")
    o["programme"] = programme
    o["challenge"] = programme.challenges.order_by("pk").first()  # type: ignore[attr-defined]
    o["stage"] = Stage.objects.filter(programme=programme).first()
    o["entry"] = Entry.objects.filter(milestones__isnull=False).order_by("pk").first()
    o["entry_programme"] = o["entry"].programme  # type: ignore[attr-defined]
    o["milestone"] = Milestone.objects.filter(entry=o["entry"]).order_by("pk").first()
    o["objection"] = Objection.objects.create(
        programme=o["entry_programme"], entry=o["entry"], filed_by=ent_a, grounds="评审不公。"
    )
    dispatch_round = Round.objects.get(status="published")
    o["round"] = dispatch_round
    o["round_enterprise"] = RoundEnterprise.objects.get(round=dispatch_round, organization=org_a)
    o["assignment"] = Assignment.objects.filter(enterprise=o["round_enterprise"]).first()
    o["visit"] = Visit.objects.filter(assignment=o["assignment"]).first()
    o["notification"] = Notification.objects.filter(user=ent_a).order_by("pk").first()
    o["rematch_job"] = RematchJob.objects.create(requested_by=users["staff"])
    missing = sorted(key for key, value in o.items() if value is None)
    assert not missing, f"the demo data lacks {missing}"
    return World(users, o)


__all__ = ["PERSONAS", "World", "build_world"]
