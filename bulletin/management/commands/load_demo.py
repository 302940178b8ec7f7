from django.core.management.base import BaseCommand

from bulletin.demo import ADMIN, USERS, load_demo
from common.roles import ROLE_LABELS


class Command(BaseCommand):
    help = "载入演示数据：刊物、栏目、各角色演示账号、三期往期和编排中的下一期（可重复运行）。"

    def handle(self, *args, **options):
        loader = load_demo(stdout=self.stdout)
        pub = loader.publication
        self.stdout.write(self.style.SUCCESS(f"演示数据已就绪：{pub.name}（/{pub.slug}/）"))
        self.stdout.write("演示账号（用户名 / 密码 / 角色）：")
        self.stdout.write(f"  {ADMIN[0]:<10} {ADMIN[2]:<22} 系统管理员（/admin/）")
        for username, _name, role, password in USERS:
            self.stdout.write(f"  {username:<10} {password:<22} {ROLE_LABELS[role]}")
