"""Two Naskah instances side by side on loopback (scripts/instance.py through
tests/instances.py): each a deployment of its own, with its own database and processes, as the
partner-city exchange of issue 28 needs them."""

import re

import pytest

from tests.instances import BINJAI, MEDAN_MINI, instance, live_processes, running_instances

pytestmark = [pytest.mark.slow, pytest.mark.clock_free]

USER_EXISTS = (
    "from organizations.models import User; "
    "print('user:', User.objects.filter(username='{}').exists())"
)


def test_two_instances_are_independent_and_stop_without_leftovers():
    # GIVEN Medan on one instance and Binjai on another, started at once
    medan = instance("medan", tenant_files=[MEDAN_MINI])
    binjai = instance("binjai", tenant_files=[BINJAI])
    with running_instances(medan, binjai):
        pids = medan.pids() + binjai.pids()
        # each has its web, worker, scheduler and timestamp authority
        assert len(medan.state()["processes"]) == len(binjai.state()["processes"]) == 4
        databases = {i.state()["env"]["DATABASE_URL"] for i in (medan, binjai)}
        assert len(databases) == 2
        # THEN each serves its own tenant's login page under its own brand, and not the other's
        status, page = medan.get("/accounts/login/", tenant="medan")
        assert status == 200 and "Sarana" in page and "SiRambe" not in page
        status, page = binjai.get("/accounts/login/", tenant="binjai")
        assert status == 200 and "SiRambe" in page and "Sarana" not in page
        # a tenant of one instance is unknown on the other (the platform landing page)
        status, page = binjai.get("/accounts/login/", tenant=None)
        assert "Sarana" not in page
        assert medan.url("medan") == f"http://medan.localhost:{medan.port}/"
        # production settings: no debug page
        status, page = medan.get("/no-such-page/", tenant="medan")
        assert status == 404 and "Traceback" not in page
        # WHEN a user is created on Medan's instance (through manage.py)
        out = medan.shell(
            "from organizations.models import Tenant, User\n"
            "User.objects.create_user('federasi.uji', password='Tidak-Dipakai-2026')\n"
            "print('base:', Tenant.objects.get(slug='medan').site_url)\n"
            + USER_EXISTS.format("federasi.uji")
        )
        # THEN it exists there and not on Binjai's
        assert "user: True" in out
        assert "user: False" in binjai.shell(USER_EXISTS.format("federasi.uji"))
        # (production settings: links made outside a request carry the port)
        assert f"base: http://medan.localhost:{medan.port}\n" in out
        assert re.search(r"Listening on TCP address 127\.0\.0\.1:\d+", medan.log("web"))
        # an API token made through manage.py works over HTTP, on its own instance only
        token = binjai.token("binjai.clerk")
        status, units = binjai.get("/api/v1/units/", tenant="binjai", token=token)
        assert status == 200 and "KEC-BINJAI-KOTA" in units
        assert medan.get("/api/v1/units/", tenant="medan", token=token)[0] in {401, 403}
        # WHEN Binjai's instance goes down and comes back on the same database
        binjai.restart()
        # THEN what it held is still there
        assert binjai.get("/api/v1/units/", tenant="binjai", token=token)[0] == 200
        pids += binjai.pids()
    # AND stopping leaves no process behind
    assert pids and not set(pids) & {pid for pid, _group in live_processes()}
