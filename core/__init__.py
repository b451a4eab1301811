"""The shared library every app uses: request plumbing, cache, storage-facing helpers, tasks,
uploads, PDFs, the ASGI server. It imports no app (the project package `naskah` wires apps
together; `core` only offers)."""
