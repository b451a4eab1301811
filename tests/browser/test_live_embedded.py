"""Live without Redis: on the embedded default (a SQLite file, the in-memory channel layer,
the task worker a process of its own, as `make run` starts them) a letter page follows a change
another process makes: the signer's page shows "Kirim" without a reload. A push from another
process cannot reach daphne there; the page learns so from its socket's hello and polls."""

import json
import textwrap

import pytest
from django.urls import reverse

from notifications.services import notify
from tests.instances import MEDAN_MINI, Instance, free_port, running_instances, worker_id
from tests.world import build_world

from .conftest import url_on
from .test_branding import log_in
from .test_leadership import _verified

pytestmark = [pytest.mark.browser]
PASSWORD = "Naskah-Demo-2026"  # the demo users' password in tenants/medan-mini.yaml

WAITING = """
import json
from correspondence import services as svc
from correspondence.models import LetterType
from correspondence.services import RecipientInput
from organizations.models import Position, Unit, User

u = User.objects.get
drafter = u(username="medan.drafter")
tenant = drafter.tenant
letter = svc.letter_create(
    by=drafter,
    letter_type=LetterType.objects.get(tenant=tenant, code="surat_dinas"),
    recipients=[RecipientInput(kind="to", unit=Unit.objects.get(tenant=tenant, code="DINKES"))],
    subject="Permohonan data layanan kesehatan",
    body="<p>Dengan hormat,</p><p>Kami mohon data layanan.</p>",
    signer_position=Position.objects.get(tenant=tenant, unit__code="DISKOMINFO", code="KEPALA"),
)
letter = svc.letter_submit(letter=letter, by=drafter)
letter = svc.letter_approve(letter=letter, by=u(username="medan.kasi"))
letter = svc.letter_approve(letter=letter, by=u(username="medan.reviewer"))
print(json.dumps({"letter": letter.pk, "state": letter.state}))
"""

SIGN = """
from correspondence import services as svc
from correspondence.models import Letter
from organizations.models import User

svc.letter_sign(
    letter=Letter.objects.get(pk={pk}),
    by=User.objects.get(username="medan.head"),
    passphrase={password!r},
)
"""


def test_the_letter_page_shows_send_without_a_reload(page_factory):
    # GIVEN the embedded default: SQLite, no Redis, daphne and the worker as separate processes
    embedded = Instance(
        name=f"live-{worker_id()}",
        port=free_port(),
        tenant_files=[MEDAN_MINI.resolve()],
        database_url="",
        redis_url="",
        timeout=420,
    )
    with running_instances(embedded) as (medan,):
        out = medan.manage("shell", "--no-imports", "-c", textwrap.dedent(WAITING))
        letter = json.loads(out.strip().splitlines()[-1])
        assert letter["state"] == "approved"

        # AND the head, whose signature the letter waits for, on its page
        page = page_factory(width=1280, height=900)
        page.goto(medan.url("medan", "/accounts/login/"))
        page.fill("#id_username", "medan.head")
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_load_state("load")
        _verified(page)
        page.goto(medan.url("medan", f"/letters/{letter['letter']}/"))
        assert page.get_by_test_id("do-sign").is_visible()
        page.evaluate("window.__sameDocument = true")
        # THEN the socket says pushes from other processes cannot arrive, and the page polls
        page.wait_for_function("() => document.body.dataset.livePolling === 'on'", timeout=15_000)

        # WHEN the letter is signed by another process than the web server's (as the task
        # worker or a second web process changes a letter)
        medan.manage(
            "shell", "--no-imports", "-c", SIGN.format(pk=letter["letter"], password=PASSWORD)
        )

        # THEN "Kirim" appears on the page without a reload
        page.get_by_test_id("do-send").wait_for(timeout=30_000)
        assert page.evaluate("window.__sameDocument") is True
        assert page.get_by_test_id("do-sign").count() == 0


@pytest.mark.django_db(transaction=True)
def test_a_page_whose_socket_never_answers_polls(live_server, page_factory):
    # GIVEN a server whose WebSocket gives no answer (the test's live server has none)
    world = build_world()
    page = page_factory(width=360)
    log_in(page, live_server, "medan.localhost", world.drafter.username)
    page.goto(url_on(live_server, "medan.localhost", reverse("correspondence:drafts")))
    # THEN after a few seconds the page polls instead
    page.wait_for_function("() => document.body.dataset.livePolling === 'on'", timeout=15_000)
    badge = page.get_by_test_id("unread-badge")
    assert badge.is_hidden()
    # AND a notification stored meanwhile shows on the badge without a reload
    notify([world.drafter], "letter.signed", None, text="Surat ditandatangani", url="/")
    page.wait_for_function(
        "() => document.querySelector('[data-testid=unread-badge]').textContent === '1'",
        timeout=15_000,
    )
    assert badge.is_visible()
