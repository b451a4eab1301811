from django.urls import path

from . import views

app_name = "intake"

urlpatterns = [
    path("", views.pending_list, name="list"),
    path("<int:pk>/", views.pending_detail, name="pending"),
    path("<int:pk>/progress/", views.pending_progress, name="progress"),
    path("<int:pk>/file/<slug:which>/", views.pending_file, name="file"),
    path("<int:pk>/discard/", views.pending_discard, name="discard"),
]
