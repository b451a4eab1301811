from django.apps import AppConfig


class BenchConfig(AppConfig):
    """Benchmark data generators; no models, only management commands."""

    name = "bench"
    verbose_name = "Benchmark data"
