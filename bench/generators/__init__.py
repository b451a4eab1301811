"""City-scale benchmark data, written with COPY rather than through the services."""
