"""The archive API, one module per area: their URLs are in `archive/api/urls.py`."""
