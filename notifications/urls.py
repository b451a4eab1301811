from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("", views.centre, name="centre"),
    path("mark-all-read/", views.mark_all_read, name="mark-all-read"),
    path("<int:pk>/open/", views.open_notification, name="open"),
    path("preferences/", views.preferences, name="preferences"),
    path("live/", views.live, name="live"),
    path("chat-address/", views.chat_address, name="chat-address"),
    path("push/key/", views.push_key, name="push-key"),
    path("push/subscribe/", views.push_subscribe, name="push-subscribe"),
    path("push/unsubscribe/", views.push_unsubscribe, name="push-unsubscribe"),
]
