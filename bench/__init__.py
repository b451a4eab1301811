"""Benchmarks and the data they run on. `bench/*.py` are scripts (`make bench`); `generators/`
writes city-scale data with bulk COPY and `management/commands` makes it available as
`manage.py generate_load_data` / `generate_archive_data`. No app imports this package."""
