from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from correspondence.views import pki
from correspondence.views import verify as letter_verify
from organizations.admin import admin_lock_platform_models

from . import pwa, views

admin_lock_platform_models()

api_v1 = [
    path("", include("organizations.api.urls")),
    path("", include("correspondence.api.urls")),
    path("", include("notifications.api.urls")),
    path("", include("accounts.api.urls")),
    path("", include("reports.api.urls")),
    path("", include("scheduling.api.urls")),
    path("", include("archive.api.urls")),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", pwa.LogoutView.as_view(), name="logout"),
    path("sw.js", pwa.service_worker, name="service-worker"),
    path("offline/", pwa.offline_page, name="offline"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("organizations.urls")),
    path("letters/intake/", include("intake.urls")),
    path("letters/", include("correspondence.urls")),
    path("v/<str:token>", letter_verify, name="letter-verify"),
    path("federation/v1/", include("federation.urls")),
    path("pki/<slug:slug>/crl", pki.crl, name="pki-crl"),
    path("pki/<slug:slug>/ocsp", pki.ocsp, name="pki-ocsp"),
    path("notifications/", include("notifications.urls")),
    path("offline/", include("offline.urls")),
    path("", include("accounts.urls")),
    path("reports/", include("reports.urls")),
    path("calendar/", include("scheduling.urls")),
    path("archive/", include("archive.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include((api_v1, "api"), namespace="api")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]

handler400 = "naskah.errors.bad_request"
handler403 = "naskah.errors.permission_denied"
handler404 = "naskah.errors.page_not_found"
handler500 = "naskah.errors.server_error"
