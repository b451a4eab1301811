"""Web Push and the chat gateway, against a push service and a gateway the tests start on
loopback: what arrives is encrypted for the device, signed with the server's VAPID key, says
nothing of a confidential letter, follows the user's choices, and is retried without
doubling."""

import json
import time

import http_ece
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from django.test import Client
from django.urls import reverse
from django.utils import translation

from notifications import checks as notification_checks
from notifications import webpush
from notifications.chat import idempotency_key
from notifications.kinds import Kind
from notifications.models import ChatAddress, NotificationPreference, PushSubscription
from notifications.outbound import generic_text
from notifications.services import chat_address_set, notify, preferences_set, push_subscribe
from notifications.webpush import public_of, raw_private
from tests.conftest import client_for, verify_session
from tests.correspondence.helpers import sent

from .localservers import Device, LocalServer, vapid_claims

SUBJECT = "Rencana mutasi pejabat eselon III"


@pytest.fixture
def vapid(settings):
    key = ec.generate_private_key(ec.SECP256R1())
    settings.NASKAH_VAPID_PRIVATE_KEY = raw_private(key)
    settings.NASKAH_VAPID_PUBLIC_KEY = ""
    settings.NASKAH_VAPID_SUBJECT = "mailto:tik@medan.go.id"
    settings.NASKAH_PUSH_ALLOW_LOOPBACK_HTTP = True
    settings.NASKAH_PUSH_ATTEMPTS = 3
    return public_of(key)


@pytest.fixture
def push_service():
    server = LocalServer().start()
    yield server
    server.stop()


def _device(server: LocalServer, user, name: str) -> Device:
    device = Device(endpoint=f"{server.origin}/push/{name}")
    sub = device.subscription()
    push_subscribe(user=user, endpoint=sub["endpoint"], label=name, **sub["keys"])
    return device


def test_a_push_reaches_each_device_encrypted_and_signed(
    world, vapid, push_service, settings, django_capture_on_commit_callbacks
):
    # GIVEN the head with two devices, the clerk with none
    phone, laptop = _device(push_service, world.head, "p"), _device(push_service, world.head, "l")
    # WHEN a new letter is notified
    with django_capture_on_commit_callbacks(execute=True):
        (row,) = notify(
            [world.head, world.clerk], Kind.DELIVERY_RECEIVED, text="Surat baru: Rapat", url="/x/"
        )[:1]
    # THEN each device gets the payload, readable with its own keys only
    for device, path in ((phone, "/push/p"), (laptop, "/push/l")):
        (got,) = push_service.at(path)
        assert device.decrypt(got.body) == {
            "title": world.tenant.app_name,
            "body": "Surat baru: Rapat",
            "url": "/x/",
            "tag": f"{Kind.DELIVERY_RECEIVED}:{row.pk}",
        }
        assert got.headers["content-encoding"] == "aes128gcm"
        assert got.headers["ttl"] == str(settings.NASKAH_PUSH_TTL)
        claims = vapid_claims(got.headers["authorization"], vapid)
        assert claims["aud"] == push_service.origin and claims["sub"] == "mailto:tik@medan.go.id"
        assert time.time() < claims["exp"] <= time.time() + 24 * 3600
    with pytest.raises(http_ece.ECEException):
        laptop.decrypt(push_service.at("/push/p")[0].body)
    assert len(push_service.received) == 2  # the clerk has no device
    assert PushSubscription.objects.filter(user=world.head, last_ok_at__isnull=False).count() == 2


def test_a_gone_device_is_dropped_and_a_failing_one_tried_a_bounded_number_of_times(
    world, vapid, push_service, django_capture_on_commit_callbacks
):
    _device(push_service, world.head, "gone")
    _device(push_service, world.head, "down")
    push_service.statuses["/push/gone"] = [410]
    push_service.statuses["/push/down"] = [503] * 3
    with django_capture_on_commit_callbacks(execute=True):
        notify([world.head], Kind.OVERDUE, text="Terlambat")
    assert not PushSubscription.objects.filter(endpoint__endswith="/gone").exists()
    down = PushSubscription.objects.get(endpoint__endswith="/down")
    # the immediate task backend of tests tries again at once; three attempts in all
    assert len(push_service.at("/push/down")) == 3 and down.failures == 3
    assert push_service.at("/push/down")[0].headers["urgency"] == "high"
    # a success later resets the count
    with django_capture_on_commit_callbacks(execute=True):
        notify([world.head], Kind.OVERDUE, text="Terlambat lagi")
    down.refresh_from_db()
    assert down.failures == 0 and down.last_ok_at is not None


def test_a_confidential_letter_is_pushed_and_chatted_without_its_subject(
    world, vapid, push_service, settings, django_capture_on_commit_callbacks
):
    settings.NASKAH_CHAT_GATEWAY_URL = f"{push_service.origin}/chat"
    device = _device(push_service, world.bappeda_head, "kaban")
    chat_address_set(user=world.bappeda_head, address="0812-3456-7890")
    with django_capture_on_commit_callbacks(execute=True):
        letter = sent(world, security="rahasia", subject=SUBJECT)
    (got,) = push_service.at("/push/kaban")
    payload = device.decrypt(got.body)
    with translation.override(settings.LANGUAGE_CODE):
        assert payload["body"] == generic_text(Kind.DELIVERY_RECEIVED)
    assert payload["url"] == reverse("correspondence:letter", args=[letter.pk])
    (message,) = push_service.at("/chat")
    assert SUBJECT not in message.body.decode() and "mutasi" not in message.body.decode()
    assert b"+6281234567890" in message.body


def test_choices_decide_what_goes_to_devices(
    world, vapid, push_service, django_capture_on_commit_callbacks
):
    _device(push_service, world.head, "h")
    preferences_set(
        user=world.head,
        choices={
            Kind.DELIVERY_RECEIVED: (True, False, False, None),  # on by default, turned off
            Kind.LETTER_SENT: (True, False, True, None),  # off by default, turned on
        },
    )
    with django_capture_on_commit_callbacks(execute=True):
        notify([world.head], Kind.DELIVERY_RECEIVED, text="tidak")
        notify([world.head], Kind.DISPOSITION_REPORTED, text="tidak juga")  # off by default
        notify([world.head], Kind.LETTER_SENT, text="ya")
    assert len(push_service.received) == 1
    # the page shows and saves the same choices
    client = client_for(world.head)
    page = client.get(reverse("notifications:preferences"))
    assert page.status_code == 200
    rows = {r["kind"]: r for r in page.context["rows"]}
    assert not rows[Kind.DELIVERY_RECEIVED]["push"] and rows[Kind.LETTER_SENT]["push"]
    assert rows[Kind.DUE_SOON]["push"] and not rows[Kind.LETTER_SIGNED]["push"]
    form = {f"in_app-{k}": "on" for k in Kind.values} | {f"push-{Kind.LETTER_SIGNED}": "on"}
    assert client.post(reverse("notifications:preferences"), form).status_code == 302
    stored = NotificationPreference.objects.get(user=world.head, kind=Kind.LETTER_SIGNED)
    assert stored.push is True and stored.chat is False
    assert not NotificationPreference.objects.get(user=world.head, kind=Kind.DUE_SOON).push
    # and so does the API; a row without push or chat keeps what was stored
    api = client.get("/api/v1/notifications/preferences/").json()
    assert {r["kind"]: r["push"] for r in api}[Kind.LETTER_SIGNED] is True
    rows = [{k: r[k] for k in ("kind", "in_app", "email")} for r in api]
    assert (
        client.put(
            "/api/v1/notifications/preferences/", rows, content_type="application/json"
        ).status_code
        == 200
    )
    assert NotificationPreference.objects.get(user=world.head, kind=Kind.LETTER_SIGNED).push


def test_the_chat_gateway_gets_one_message_however_often_it_is_retried(
    world, push_service, settings, django_capture_on_commit_callbacks
):
    settings.NASKAH_CHAT_GATEWAY_URL = f"{push_service.origin}/gateway"
    settings.NASKAH_CHAT_GATEWAY_TOKEN = "rahasia-gateway"
    chat_address_set(user=world.head, address="+62 811 222 333")
    push_service.statuses["/gateway"] = [500, 200]
    with django_capture_on_commit_callbacks(execute=True):
        (row,) = notify(
            [world.head, world.clerk], Kind.DISPOSITION_RECEIVED, text="Disposisi", url="/d/"
        )[:1]
    first, again = push_service.at("/gateway")  # the clerk has no chat address
    assert first.headers["authorization"] == "Bearer rahasia-gateway"
    assert first.headers["idempotency-key"] == again.headers["idempotency-key"]
    assert first.headers["idempotency-key"] == idempotency_key(row.pk)
    assert first.body == again.body
    body = json.loads(first.body)
    assert body == {
        "to": "+62811222333",
        "text": f"{world.tenant.app_name}: Disposisi",
        "url": f"{world.tenant.site_url}/d/",
        "channel": "whatsapp",
    }
    # off when the URL is unset
    settings.NASKAH_CHAT_GATEWAY_URL = ""
    with django_capture_on_commit_callbacks(execute=True):
        notify([world.head], Kind.DISPOSITION_RECEIVED, text="Disposisi 2")
    assert len(push_service.received) == 2


def test_chat_address_is_checked_and_kept_from_the_account_page(world, settings):
    settings.NASKAH_CHAT_GATEWAY_URL = "https://gateway.example.go.id/send"
    client = client_for(world.head)
    account = client.get(reverse("accounts:account"))
    assert b'data-testid="chat-address"' in account.content
    url = reverse("notifications:chat-address")
    client.post(url, {"address": "bukan nomor", "next": "/account/"})
    assert not ChatAddress.objects.filter(user=world.head).exists()
    answer = client.post(url, {"address": "081234567890", "next": "https://evil.example/"})
    assert answer.url == reverse("notifications:preferences")
    assert ChatAddress.objects.get(user=world.head).address == "+6281234567890"
    client.post(url, {"address": ""})
    assert not ChatAddress.objects.filter(user=world.head).exists()


def test_subscribe_and_unsubscribe_only_for_oneself_and_only_good_input(world, vapid, settings):
    sub = Device(endpoint="https://push.example.net/send/abc").subscription()
    client = client_for(world.head)
    key = client.get(reverse("notifications:push-key"))
    assert key.json() == {"publicKey": vapid}
    url, off = reverse("notifications:push-subscribe"), reverse("notifications:push-unsubscribe")

    def post(c, target, body):
        return c.post(target, body, content_type="application/json")

    assert post(client, url, sub).status_code == 201
    assert PushSubscription.objects.get(endpoint=sub["endpoint"]).user == world.head
    # bad input: 400 with a message, nothing stored
    bad = [
        "not json",
        [],
        {"endpoint": sub["endpoint"]},
        {**sub, "endpoint": "http://push.example.net/x"},  # not https
        {**sub, "endpoint": "ftp://push.example.net/x"},
        # the server's own networks: a push would be a request into them (SSRF)
        {**sub, "endpoint": "https://10.0.0.5/push"},
        {**sub, "endpoint": "https://169.254.169.254/latest/meta-data"},
        {**sub, "endpoint": "https://[fd00::1]/push"},
        {**sub, "endpoint": "https://db.internal/push"},
        {**sub, "endpoint": "https://intranet/push"},
        {**sub, "keys": {**sub["keys"], "p256dh": "AAAA"}},
        {**sub, "keys": {**sub["keys"], "auth": "x" * 40}},
    ]
    for body in bad:
        answer = post(client, url, body)
        assert answer.status_code == 400 and answer.json()["error"], body
    settings.NASKAH_PUSH_ALLOW_LOOPBACK_HTTP = False
    loopback = {**sub, "endpoint": "http://127.0.0.1:9/push"}
    assert post(client, url, loopback).status_code == 400
    assert PushSubscription.objects.count() == 1
    # another user cannot remove it (the same answer as for a missing one)
    other = client_for(world.clerk)
    assert post(other, off, {"endpoint": sub["endpoint"]}).status_code == 404
    assert post(other, off, {"endpoint": "https://push.example.net/none"}).status_code == 404
    assert post(other, off, {}).status_code == 400
    assert PushSubscription.objects.filter(user=world.head).exists()
    # CSRF and login are required
    strict = Client(HTTP_HOST=client.defaults["HTTP_HOST"], enforce_csrf_checks=True)
    strict.force_login(world.head)
    verify_session(strict, world.head)
    assert post(strict, off, {"endpoint": sub["endpoint"]}).status_code == 403
    anonymous = Client(HTTP_HOST=client.defaults["HTTP_HOST"])
    assert post(anonymous, url, sub).status_code == 302
    assert client.get(url).status_code == 405
    # the owner removes it
    assert post(client, off, {"endpoint": sub["endpoint"]}).status_code == 200
    assert not PushSubscription.objects.exists()


def test_a_user_keeps_at_most_ten_browsers(world, vapid):
    keys = Device(endpoint="https://push.example.net/send/0").subscription()["keys"]
    for i in range(14):
        push_subscribe(user=world.head, endpoint=f"https://push.example.net/send/{i}", **keys)
    kept = PushSubscription.objects.filter(user=world.head).values_list("endpoint", flat=True)
    assert sorted(kept, key=lambda e: int(e.rsplit("/", 1)[1])) == [
        f"https://push.example.net/send/{i}" for i in range(4, 14)
    ]


def test_without_a_key_production_sends_no_push_and_check_says_so(world, settings):
    settings.NASKAH_VAPID_PRIVATE_KEY = ""
    settings.NASKAH_VAPID_KEY_FILE = ""
    settings.DEBUG = False
    assert [m.id for m in notification_checks.vapid_configured(None)] == ["notifications.W001"]
    assert client_for(world.head).get(reverse("notifications:push-key")).status_code == 404
    settings.NASKAH_VAPID_PRIVATE_KEY = "not-a-key"
    assert [m.id for m in notification_checks.vapid_configured(None)] == ["notifications.E001"]


def test_debug_makes_a_key_once_and_keeps_it(tmp_path, settings):
    settings.NASKAH_VAPID_PRIVATE_KEY = ""
    settings.NASKAH_VAPID_KEY_FILE = str(tmp_path / "vapid-private.key")
    first = webpush.vapid_keys()
    assert (tmp_path / "vapid-private.key").stat().st_mode & 0o777 == 0o600
    webpush._keys.cache_clear()  # as a new process would
    assert webpush.vapid_keys() == first
