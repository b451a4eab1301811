"""The archive API, one module per area; each module has its `urlpatterns`."""
