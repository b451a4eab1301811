from django.urls import path

from . import views

urlpatterns = [
    path("org/", views.directory, name="org-directory"),
    path("org/units/<int:pk>/", views.unit_detail, name="org-unit"),
    path("org/positions/<int:pk>/", views.position_detail, name="org-position"),
    path("org/people/<int:pk>/", views.person_detail, name="org-person"),
    path("branding.css", views.branding_css, name="branding-css"),
    path("branding/logo", views.branding_logo, name="branding-logo"),
    path("branding/icon-<int:size>.png", views.app_icon, name="branding-icon"),
    path("manifest.webmanifest", views.web_manifest, name="web-manifest"),
]
