"""notify() stores first and pushes to each user's own group only after the commit."""

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from notifications.kinds import Kind
from notifications.models import Notification
from notifications.services import notification_mark_read, notify, push, user_group


def _receive(channel: str):
    layer = get_channel_layer()
    return async_to_sync(layer.receive)(channel)


def test_notify_stores_then_pushes_after_commit(world, django_capture_on_commit_callbacks):
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(user_group(world.head.pk), channel)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        rows = notify([world.head, world.head, world.drafter], Kind.LETTER_SENT, text="Surat")
    # stored once per distinct user, before anything is pushed
    assert Notification.objects.filter(recipient=world.head).count() == 1
    assert len(rows) == 2 and len(callbacks) == 1
    callbacks[0]()
    message = _receive(channel)
    assert message["kind"] == "letter.sent" and message["id"] == rows[0].pk


def test_mark_read_only_touches_own_rows(world):
    notify([world.head], Kind.LETTER_SENT, text="a")
    notify([world.drafter], Kind.LETTER_SENT, text="b")
    assert notification_mark_read(user=world.head) == 1
    assert Notification.objects.unread().get().recipient == world.drafter


def test_one_push_reaches_every_user_and_a_failed_one_spares_the_rest(world, monkeypatch, caplog):
    layer = get_channel_layer()
    channels = {}
    for user in (world.head, world.drafter, world.clerk):
        channels[user.pk] = async_to_sync(layer.new_channel)()
        async_to_sync(layer.group_add)(user_group(user.pk), channels[user.pk])
    real_send = layer.group_send

    async def flaky(group, message):
        if group == user_group(world.drafter.pk):
            raise ConnectionError("redis went away")
        await real_send(group, message)

    monkeypatch.setattr(layer, "group_send", flaky)
    rows = notify([world.head, world.drafter, world.clerk], Kind.LETTER_SENT, text="Surat")
    push(rows)
    by_user = {r.recipient_id: r.pk for r in rows}
    assert _receive(channels[world.head.pk])["id"] == by_user[world.head.pk]
    assert _receive(channels[world.clerk.pk])["id"] == by_user[world.clerk.pk]
    assert f"push to {user_group(world.drafter.pk)} failed" in caplog.text
    assert Notification.objects.filter(recipient=world.drafter).count() == 1  # stored anyway
