from django.urls import path

from . import views

urlpatterns = [
    path("reports/statistics/", views.StatisticsView.as_view(), name="report-statistics")
]
