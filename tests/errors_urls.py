"""The project's URLs plus views that fail, for the error pages' tests."""

from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.urls import path

from naskah.urls import *
from naskah.urls import urlpatterns as project_urls


def refuse(request):
    raise PermissionDenied


def suspicious(request):
    raise SuspiciousOperation("bad")


def crash(request):
    raise RuntimeError("boom")


urlpatterns = [
    path("test/refuse/", refuse),
    path("test/suspicious/", suspicious),
    path("test/crash/", crash),
    *project_urls,
]
