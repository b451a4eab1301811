from pathlib import Path

from django.core.management.base import BaseCommand

from organizations.models import User
from organizations.selectors import positions_held
from organizations.tenantfile import parse


class Command(BaseCommand):
    help = "Print the demo users of loaded tenant files: login URL, username, password, post."

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", type=Path)
        parser.add_argument("--port", default="8000")

    def handle(self, *args, files, port, **options):
        rows = []
        for path in files:
            parsed = parse(path)
            url = f"http://{parsed.core.tenant.domains[0]}:{port}/"
            demo = {u.username: u for u in parsed.core.users if u.password}
            users = User.objects.filter(username__in=demo).prefetch_related("roles")
            for user in sorted(users, key=lambda u: list(demo).index(u.username)):
                posts = ", ".join(p.title for p in positions_held(user)) or "-"
                roles = ", ".join(r.get_kind_display() for r in user.roles.all())
                rows.append((url, user.username, demo[user.username].password, posts, roles))
        if not rows:
            return
        w = [max(len(r[i]) for r in rows) for i in range(3)]
        self.stdout.write(self.style.SUCCESS("Demo logins (embedded default):"))
        for url, username, password, posts, roles in rows:
            extra = f"  [{roles}]" if roles else ""
            self.stdout.write(
                f"  {url:<{w[0]}}  {username:<{w[1]}}  {password:<{w[2]}}  {posts}{extra}"
            )
