"""Schemathesis drives every API operation with generated input: no 500s, and every response
matches the published OpenAPI schema."""

import pytest
import schemathesis
from django.core.cache import cache
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

from accounts.services import api_token_create
from naskah.wsgi import application


def _schema():
    raw = SchemaGenerator().get_schema(request=None, public=True)
    loaded = schemathesis.openapi.from_dict(raw)
    loaded.app = application
    loaded.location = "/api/schema/"
    return loaded


schema = _schema()


@pytest.fixture
def _keep_test_connection():
    """Schemathesis calls the WSGI app directly: like Django's test client, keep the request
    signals from closing the test transaction's connection."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def token(world, settings, _keep_test_connection):
    settings.NASKAH_DEFAULT_TENANT = "medan"  # requests come on "localhost"
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_CLASSES": []}
    return api_token_create(user=world.drafter, name="fuzz", scope="write")


def _operations():
    found = []
    for result in schema.get_all_operations():
        operation = result.ok()  # a broken definition fails collection, loudly
        found.append(pytest.param(operation, id=operation.label))
    return found


# One test per operation, each with its own id: schemathesis's own `parametrize` gives all of
# them one node id, and pytest-xdist then runs one and drops the rest without a word.
@pytest.mark.filterwarnings("ignore")
@pytest.mark.parametrize("operation", _operations())
def test_api_answers_every_generated_request_within_its_schema(operation, token):
    @given(case=operation.as_strategy())
    @settings(
        max_examples=15,
        deadline=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
        database=None,
    )
    def run(case):
        cache.clear()
        case.call_and_validate(
            # Schemathesis calls the WSGI app and does not inflate bodies: ask for them plain.
            headers={"Authorization": f"Token {token}", "Accept-Encoding": "identity"},
            checks=[not_a_server_error, response_schema_conformance, content_type_conformance],
        )

    run()
