from django.urls import path

from . import views

app_name = "scheduling"

urlpatterns = [
    path("", views.calendar_personal, name="calendar"),
    path("unit/<int:pk>/", views.calendar_unit, name="unit"),
    path("room/<int:pk>/", views.calendar_room, name="room"),
    path("events/new/", views.event_new, name="event-new"),
    path("events/<int:pk>/", views.event_detail, name="event"),
    path("events/<int:pk>/ics", views.event_ics, name="event-ics"),
    path("events/<int:pk>/minutes", views.minutes_download, name="minutes"),
    path("events/<int:pk>/<slug:action>/", views.event_action, name="event-action"),
    path("feed/", views.feed_manage, name="feed-manage"),
    path("feed/<str:token>.ics", views.feed, name="feed"),
]
