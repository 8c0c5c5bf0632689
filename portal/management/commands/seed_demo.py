from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from matching.lists import services as matching_services
from portal import demo
from portal.demo.alliances import seed_alliances
from portal.demo.challenges import seed_challenges
from portal.demo.dispatch import seed_dispatch
from portal.demo.events import seed_events
from portal.demo.registers import seed_registers
from portal.demo.workflow import seed_workflow
from portal.reference.sync import reference_data_sync


class Command(BaseCommand):
    help = "创建演示机构、用户和对接数据（可重复执行，不会重复创建）"

    def handle(self, *args: Any, **options: Any) -> None:
        reference_data_sync()
        orgs = demo.seed_organizations_and_users()
        with matching_services.matching_deferred():
            created = seed_registers(orgs)
            seed_alliances(orgs)
        # Suggestions must exist before the demo pipeline picks pairs from them.
        matched = matching_services.rematch_inline()
        moved = seed_workflow(orgs)
        events = seed_events(orgs)
        programmes = seed_challenges(orgs)
        rounds = seed_dispatch(orgs)
        self.stdout.write(
            f"机构 {len(orgs)} 个；新建需求 {created['needs']} 条、成果 {created['results']} 条、"
            f"专家 {created['experts']} 位"
        )
        self.stdout.write(
            f"已匹配 {matched} 条信息；演示对接流程 {moved} 对；新建对接会 {events} 场、"
            f"揭榜挂帅与大赛 {programmes} 项、产业特派员批次 {rounds} 个"
        )
        self.stdout.write(f"演示账号密码：{settings.DEMO_PASSWORD}")
        for username, display_name, _org, role in demo.DEMO_USERS:
            self.stdout.write(f"  {username:<18} {display_name}  {role}")
