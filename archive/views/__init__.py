"""HTML pages of the archive, one module per area: their URLs are in `archive/urls.py`."""
