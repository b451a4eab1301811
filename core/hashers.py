"""Password hashing: Argon2id with OWASP's first recommended setting (46 MiB, one pass, one
lane) instead of Django's defaults (100 MiB, two passes, eight lanes). Every login attempt,
even for an unknown name, runs one hash: with Django's defaults twenty at once would hold
2 GiB on a two-core server."""

from django.contrib.auth.hashers import Argon2PasswordHasher


class Argon2idHasher(Argon2PasswordHasher):
    time_cost = 1
    memory_cost = 47104  # KiB
    parallelism = 1
