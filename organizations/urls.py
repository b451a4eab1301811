from django.urls import path

from . import views

urlpatterns = [
    path("org/", views.directory, name="org-directory"),
    path("org/units/<int:pk>/", views.unit_detail, name="org-unit"),
    path("org/positions/<int:pk>/", views.position_detail, name="org-position"),
    path("org/people/<int:pk>/", views.person_detail, name="org-person"),
    path("branding.css", views.branding_css, name="branding-css"),
    path("branding/logo", views.branding_logo, name="branding-logo"),
    # One path per size (not an id in the URL: nothing for the tenancy probes to walk).
    path("branding/icon-192.png", views.app_icon, {"size": 192}, name="branding-icon-192"),
    path("branding/icon-512.png", views.app_icon, {"size": 512}, name="branding-icon-512"),
    path("manifest.webmanifest", views.web_manifest, name="web-manifest"),
]
