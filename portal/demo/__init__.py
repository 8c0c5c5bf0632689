"""All demo data in one place, for `manage.py seed_demo`: organisations and logins (here),
the registers (:mod:`portal.demo.registers`) and brokered pairs (:mod:`portal.demo.workflow`).
Texts written for this project."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import Membership, Organization, User
from accounts.validators import credit_code_check_char


def demo_credit_code(seed: int, prefix: str = "91") -> str:
    """A well-formed 统一社会信用代码 for demo data (valid GB 32100 check digit)."""
    body = f"{prefix}{(seed * 7919 + 110000) % 1000000:06d}MA{seed:07d}"[:17]
    body = body.replace("I", "1").replace("O", "0")
    return body + credit_code_check_char(body)


@dataclass(frozen=True)
class DemoOrg:
    key: str
    name: str
    org_type: str
    region_code: str
    description: str


DEMO_ORGS: list[DemoOrg] = [
    DemoOrg(
        "bureau_jinan",
        "济南市科学技术局",
        "bureau",
        "370100",
        "负责全市科技成果转化、产学研合作和技术市场管理工作。",
    ),
    DemoOrg(
        "bureau_hohhot",
        "呼和浩特市科学技术局",
        "bureau",
        "150100",
        "组织开展产学研对接活动，推动科技成果在本地转化落地。",
    ),
    DemoOrg(
        "ent_qilu_chem",
        "山东齐鲁新材料科技有限公司",
        "enterprise",
        "370100",
        "主营改性塑料和高分子复合材料，年产能5万吨，服务汽车和家电行业。",
    ),
    DemoOrg(
        "ent_mengneng",
        "内蒙古蒙能新能源装备有限公司",
        "enterprise",
        "150100",
        "风电塔筒与光伏支架制造企业，正在建设氢能储运装备生产线。",
    ),
    DemoOrg(
        "ent_longjiang_agri",
        "黑龙江北大荒智慧农业科技有限公司",
        "enterprise",
        "230100",
        "提供寒地水稻种植全程机械化与数字化管理服务。",
    ),
    DemoOrg(
        "ent_zhiyuan_med",
        "北京智远医疗器械有限公司",
        "enterprise",
        "110000",
        "研发生产医用影像设备和体外诊断试剂。",
    ),
    DemoOrg(
        "ent_haiyang_env",
        "青岛海洋环保科技有限公司",
        "enterprise",
        "370200",
        "从事工业废水处理工程和海水淡化膜组件的研发与运营。",
    ),
    DemoOrg(
        "ent_xinxin_ai",
        "济南信芯智能制造有限公司",
        "enterprise",
        "370100",
        "为机加工企业提供工业视觉检测和产线自动化改造。",
    ),
    DemoOrg(
        "uni_sdu",
        "山东大学",
        "university",
        "370100",
        "综合性研究型大学，材料、化工、控制和医学学科实力较强。",
    ),
    DemoOrg(
        "uni_imu",
        "内蒙古大学",
        "university",
        "150100",
        "在稀土功能材料、草原生态和能源化工方向有长期积累。",
    ),
    DemoOrg(
        "uni_hit",
        "哈尔滨工业大学",
        "university",
        "230100",
        "以航空航天、先进制造和机器人技术见长。",
    ),
    DemoOrg(
        "inst_qibebt",
        "中国科学院青岛生物能源与过程研究所",
        "institute",
        "370200",
        "聚焦生物能源、生物基材料和储能技术的研发与工程化。",
    ),
    DemoOrg(
        "inst_bj_ai",
        "北京智能信息技术研究院",
        "institute",
        "110000",
        "开展人工智能、工业互联网和数据安全技术研究。",
    ),
    DemoOrg(
        "svc_techmarket",
        "山东省技术市场服务中心",
        "service",
        "370100",
        "提供技术合同登记、成果评价和技术经纪服务。",
    ),
]

DEMO_USERS: list[tuple[str, str, str, str]] = [
    # username, display name, organisation key, role
    ("demo_enterprise", "王建国", "ent_qilu_chem", Membership.Role.ENTERPRISE),
    ("demo_researcher", "李明华", "uni_sdu", Membership.Role.RESEARCHER),
    ("demo_expert", "张海峰", "uni_sdu", Membership.Role.EXPERT),
    ("demo_staff", "刘晓燕", "bureau_jinan", Membership.Role.STAFF),
    ("demo_admin", "陈志强", "bureau_jinan", Membership.Role.ADMIN),
]


@transaction.atomic
def seed_organizations_and_users() -> dict[str, Organization]:
    """Create (or leave as they are) the demo organisations and the five demo logins."""
    orgs: dict[str, Organization] = {}
    for index, spec in enumerate(DEMO_ORGS, start=1):
        prefix = {"bureau": "11", "university": "12", "institute": "12"}.get(spec.org_type, "91")
        org, _created = Organization.objects.get_or_create(
            name=spec.name,
            defaults={
                "org_type": spec.org_type,
                "region_code": spec.region_code,
                "credit_code": demo_credit_code(index, prefix),
                "description": spec.description,
                "is_verified": True,
                "verified_at": timezone.now(),
                "contact_name": "联系人",
                "contact_phone": f"1380531{index:04d}",
                "contact_email": f"contact{index}@example.cn",
            },
        )
        orgs[spec.key] = org
    for index, (username, display_name, org_key, role) in enumerate(DEMO_USERS, start=1):
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(
                username=username,
                display_name=display_name,
                email=f"{username}@example.cn",
                phone=f"1390531{index:04d}",
                is_staff=role == Membership.Role.ADMIN,
                is_superuser=role == Membership.Role.ADMIN,
            )
            user.set_password(settings.DEMO_PASSWORD)
            user.save()
        Membership.objects.get_or_create(
            user=user, organization=orgs[org_key], defaults={"role": role}
        )
        org = orgs[org_key]
        if role in (Membership.Role.ENTERPRISE, Membership.Role.RESEARCHER) and (
            org.contact_name == "联系人"
        ):
            # the demo login is its organisation's contact person, so it is named on the
            # organisation's pairs and sees the other side's contacts once both agree
            org.contact_name = display_name
            org.contact_phone = user.phone
            org.contact_email = user.email
            org.save(update_fields=["contact_name", "contact_phone", "contact_email"])
    return orgs
