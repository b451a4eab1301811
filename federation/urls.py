from django.urls import path

from . import views

app_name = "federation"

urlpatterns = [
    path("instance", views.instance, name="instance"),
    path("<slug:slug>/directory", views.directory, name="directory"),
    path("<slug:slug>/envelopes", views.envelopes, name="envelopes"),
    path("<slug:slug>/receipts", views.receipts, name="receipts"),
]
