from django.urls import path

from . import views

app_name = "offline"

urlpatterns = [
    path("actions/", views.actions, name="actions"),
]
