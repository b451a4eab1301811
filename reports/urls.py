from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("", views.leadership, name="leadership"),
    path("statistics/", views.statistics_page, name="statistics"),
    path("agenda/<slug:kind>/", views.agenda_book, name="agenda"),
]
