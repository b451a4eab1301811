"""HTML pages of the archive, one module per area; each module has its `urlpatterns`."""
