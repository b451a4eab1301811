"""WebSocket routes (served by daphne through channels)."""

websocket_urlpatterns: list = []
