from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from accounts.models import User
from matching.lists import rematch
from matching.lists import services as matching_services
from matching.models import MatchTransition
from portal import demo
from portal.challenges.models import Programme
from portal.demo import challenges as demo_challenges
from portal.demo import dispatch as demo_dispatch
from portal.demo import events as demo_events
from portal.demo.alliances import seed_alliances
from portal.demo.challenges import seed_challenges
from portal.demo.dispatch import seed_dispatch
from portal.demo.events import seed_events
from portal.demo.registers import seed_registers
from portal.demo.workflow import DEMO_TAG, seed_workflow
from portal.dispatch.models import Round
from portal.events.models import Event
from portal.reference.sync import reference_data_sync


def demo_seeded() -> bool:
    """Is every part of the demo already there? A handful of indexed lookups (the last row
    each seeding step creates), so a second `make run` starts at once."""
    usernames = [username for username, *_rest in demo.DEMO_USERS]
    if User.objects.filter(username__in=usernames).count() != len(usernames):
        return False
    if not MatchTransition.objects.filter(note__contains=DEMO_TAG).exists():
        return False
    events = (demo_events.PAST_TITLE, demo_events.NEXT_TITLE)
    programmes = (
        demo_challenges.CLOSED_TITLE,
        demo_challenges.OPEN_TITLE,
        demo_challenges.CONTEST_TITLE,
    )
    rounds = (demo_dispatch.DONE_TITLE, demo_dispatch.RUNNING_TITLE)
    return (
        Event.objects.filter(title__in=events).count() == len(events)
        and Programme.objects.filter(title__in=programmes).count() == len(programmes)
        and Round.objects.filter(title__in=rounds).count() == len(rounds)
    )


class Command(BaseCommand):
    help = (
        "创建演示机构、用户和对接数据；演示数据已存在时直接跳过"
        "（--force 重新检查补齐，--reset 清空数据库后重建）"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--force",
            action="store_true",
            help="即使演示数据已存在也逐项检查并补齐（不会重复创建）",
        )
        parser.add_argument(
            "--reset",
            action="store_true",
            help="先清空数据库中的全部数据（flush），再重新创建演示数据",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        if options["reset"]:
            call_command("flush", interactive=False, verbosity=0)
            self.stdout.write("已清空数据库，重新创建演示数据……")
        elif not options["force"] and demo_seeded():
            self.stdout.write("演示数据已存在，跳过（重建请用 make reset 或 seed_demo --reset）。")
            self._logins()
            return
        reference_data_sync()
        orgs = demo.seed_organizations_and_users()
        with matching_services.matching_deferred():
            created = seed_registers(orgs)
            seed_alliances(orgs)
        # Suggestions must exist before the demo pipeline picks pairs from them.
        matched = rematch.rematch_inline()
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
            f"（用时 {time.monotonic() - started:.0f} 秒）"
        )
        self._logins()

    def _logins(self) -> None:
        self.stdout.write(f"演示账号密码：{settings.DEMO_PASSWORD}")
        for username, display_name, _org, role in demo.DEMO_USERS:
            self.stdout.write(f"  {username:<18} {display_name}  {role}")
