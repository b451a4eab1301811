"""Health endpoints, request ids in logs, and files sent through nginx."""

import io
import json
import logging

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from core import health
from core.middleware import REQUEST_ID, RequestIdFilter, RequestIdMiddleware
from correspondence import services as svc
from tests.conftest import client_for
from tests.correspondence.helpers import PDF, draft


def test_healthz_needs_nothing(client):
    response = Client().get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_readyz_reports_each_dependency(db):
    response = Client().get("/readyz")
    body = response.json()
    assert response.status_code == 200, body
    assert body["checks"]["database"] == "ok" and body["checks"]["storage"] == "ok"
    assert set(body["checks"]) == {"database", "redis", "storage", "worker"}


def test_readyz_is_503_when_a_dependency_fails(db, monkeypatch):
    def down():
        raise ConnectionError("connection refused")

    monkeypatch.setitem(health.CHECKS, "redis", down)
    response = Client().get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["redis"] == "error: connection refused"
    assert response.json()["checks"]["database"] == "ok"


def test_worker_heartbeat_must_be_recent(db, settings):
    from django_tasks_db.models import DBTaskResult

    from core.tasks import heartbeat

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    with pytest.raises(RuntimeError, match="no heartbeat"):
        health.check_worker()
    result = heartbeat.using(backend="default").enqueue()
    row = DBTaskResult.objects.get(id=result.id)
    row.finished_at = timezone.now() - timezone.timedelta(minutes=10)
    row.save()
    with pytest.raises(RuntimeError, match="ago"):
        health.check_worker()
    DBTaskResult.objects.filter(id=result.id).update(finished_at=timezone.now())
    assert health.check_worker() == "ok"


@pytest.mark.parametrize(
    ("incoming", "echoed"),
    [("abcd1234-proxy-id", True), ("", False), ("x" * 200, False), ("bad id\n", False)],
)
def test_request_id_is_kept_when_sane_and_logged(rf, incoming, echoed):
    seen = {}

    def view(request):
        seen["ctx"] = REQUEST_ID.get()
        from django.http import HttpResponse

        return HttpResponse("ok")

    request = rf.get("/", HTTP_X_REQUEST_ID=incoming) if incoming else rf.get("/")
    response = RequestIdMiddleware(view)(request)
    rid = response["X-Request-ID"]
    assert seen["ctx"] == rid == request.request_id
    assert (rid == incoming) is echoed
    assert REQUEST_ID.get() == "-"  # reset after the request


def test_json_log_lines_carry_the_request_id():
    from pythonjsonlogger.json import JsonFormatter

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(
        JsonFormatter("%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s")
    )
    log = logging.getLogger("naskah.test.json")
    log.addHandler(handler)
    token = REQUEST_ID.set("req-12345678")
    try:
        log.warning("Surat dikirim")
    finally:
        REQUEST_ID.reset(token)
        log.removeHandler(handler)
    line = json.loads(stream.getvalue())
    assert line["request_id"] == "req-12345678" and line["message"] == "Surat dikirim"


def test_files_go_out_through_nginx_after_the_access_check(world, settings):
    settings.NASKAH_ACCEL_REDIRECT = True
    letter = draft(world)
    att = svc.attachment_add(
        letter=letter,
        by=world.drafter,
        upload=SimpleUploadedFile("nota.pdf", PDF, "application/pdf"),
    )
    url = reverse("correspondence:attachment", args=[att.pk])
    response = client_for(world.drafter).get(url)
    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == f"/protected/{att.file.name}"
    assert response.content == b"" and "nota.pdf" in response["Content-Disposition"]
    assert client_for(world.outsider).get(url).status_code == 404
