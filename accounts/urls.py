from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("account/", views.account, name="account"),
    path("account/tokens/<int:pk>/revoke/", views.token_revoke, name="token-revoke"),
    path("account/two-step/enrol/", views.two_step_enrol, name="two-step-enrol"),
    path("account/two-step/verify/", views.two_step_verify, name="two-step-verify"),
    path("security/events/", views.security_events, name="security-events"),
    path("org/people/<int:pk>/deactivate/", views.user_deactivate, name="user-deactivate"),
]
