"""Demo alliance for `manage.py seed_demo`: 山东省新材料产业技术创新联盟, a few Shandong
members, and three of their postings shared "members first" for 30 days.

Idempotent: the alliance is looked up by name, members are added once, and a posting
already shared members first (or no longer published) is left as it is.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from accounts.models import Alliance, AllianceMembership, Organization, User
from portal.models import Need, PostingStatus, Result
from portal.services import postings

ALLIANCE_NAME = "山东省新材料产业技术创新联盟"
ALLIANCE_DESCRIPTION = (
    "由山东大学牵头，联合省内新材料企业、科研院所和技术服务机构组建，"
    "围绕高分子材料改性、生物基材料和膜材料开展联合攻关、成果转化和人才交流。"
    "成员单位发布的技术需求和科技成果先在联盟内部流转，30 天后向全平台公开。"
)
# DEMO_ORGS keys and their role; the first is the lead unit (理事长单位).
MEMBERS: tuple[tuple[str, str], ...] = (
    ("uni_sdu", AllianceMembership.Role.LEAD),
    ("ent_qilu_chem", AllianceMembership.Role.MEMBER),
    ("inst_qibebt", AllianceMembership.Role.MEMBER),
    ("ent_haiyang_env", AllianceMembership.Role.MEMBER),
    ("svc_techmarket", AllianceMembership.Role.MEMBER),
)
# Members' postings (by title, from portal.demo.registers) shared members first.
MEMBERS_FIRST_NEEDS = ("长玻纤增强聚丙烯制品翘曲变形",)
MEMBERS_FIRST_RESULTS = ("再生聚烯烃除味与稳定化改性技术", "低翘曲长玻纤增强聚丙烯")
MEMBERS_FIRST_DAYS = 30
MEMBERS_FIRST_PUBLISHED_DAYS_AGO = 7


@transaction.atomic
def seed_alliances(orgs: dict[str, Organization]) -> Alliance:
    """Create (or leave as it is) the demo alliance, its members and members-first postings."""
    admin = User.objects.get(username="demo_admin")
    alliance, _created = Alliance.objects.get_or_create(
        name=ALLIANCE_NAME,
        defaults={
            "kind": Alliance.Kind.ALLIANCE,
            "region_code": "370100",
            "description": ALLIANCE_DESCRIPTION,
            "created_by": admin,
        },
    )
    for key, role in MEMBERS:
        AllianceMembership.objects.get_or_create(
            alliance=alliance, organization=orgs[key], defaults={"role": role}
        )
    # the lead unit's researcher keeps the member list, beside the bureau staff
    alliance.admins.add(User.objects.get(username="demo_researcher"))
    shared: list[Need | Result] = [
        *Need.objects.filter(title__in=MEMBERS_FIRST_NEEDS),
        *Result.objects.filter(title__in=MEMBERS_FIRST_RESULTS),
    ]
    for posting in shared:
        if posting.status != PostingStatus.PUBLISHED or posting.members_first_alliance_id:
            continue
        # members first runs from publication: these went out last week, not years ago
        published = timezone.now() - dt.timedelta(days=MEMBERS_FIRST_PUBLISHED_DAYS_AGO)
        type(posting).objects.filter(pk=posting.pk).update(
            created_at=published - dt.timedelta(days=3),
            submitted_at=published - dt.timedelta(days=2),
            published_at=published,
            last_confirmed_at=published,
        )
        posting.refresh_from_db()
        postings.posting_update(
            posting=posting,
            by=admin,
            data={"members_first_alliance": alliance, "members_first_days": MEMBERS_FIRST_DAYS},
        )
    return alliance
