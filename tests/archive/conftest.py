"""Service calls in these tests run in English, so refusals can be matched by their words;
pages choose their own language per request (Indonesian unless the test sets the cookie)."""

import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield
