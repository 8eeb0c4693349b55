"""Property-based fuzzing of /api/v1 over its generated OpenAPI document (schemathesis, on hypothesis).

For every operation of the document a bounded number of requests is generated — valid data and data that breaks
the document (wrong types, missing fields, out-of-range numbers, odd text) — signed in as a user who may act, and
every response must be no 5xx, a documented status, JSON, and match the documented schema. Examples are
derandomized, so every run sends the same requests.
"""
from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.support.helpers import CITIZEN

EXAMPLES = 15  # per operation and generation mode
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# Signing out revokes the token every other example uses; it is tested in tests/accounts/test_hardening.py.
SKIP = {"DELETE /api/v1/session"}


def _operations(app):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    return [result.ok() for result in schema.get_all_operations()]


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=["valid", "invalid"])
def test_no_operation_answers_5xx_or_off_its_document(app, client, db, mode, capsys):
    token = client.post("/api/v1/session", json={"username": "agent", "password": "demo12345"}).json["token"]
    bearer = {"Authorization": f"Bearer {token}"}
    client.post("/api/v1/tickets", json={**CITIZEN, "scope": "accept"}, headers=bearer)  # something to find
    sent: dict[str, int] = {}
    statuses: dict[int, int] = {}
    operations = [op for op in _operations(app) if op.label not in SKIP]
    nothing_to_break = set()
    for operation in operations:
        label = operation.label

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                  phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
        def fuzz(case):
            response = case.call_and_validate(headers=bearer, checks=CHECKS)
            sent[case.operation.label] = sent.get(case.operation.label, 0) + 1
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1

        try:
            fuzz()
        except Unsatisfiable:  # no parameter or body that could be invalid (GET /api/v1/meta)
            assert mode == GenerationMode.NEGATIVE
            nothing_to_break.add(label)
    assert len(operations) >= 12 and set(sent) | nothing_to_break == {op.label for op in operations}
    with capsys.disabled():
        print(f"\nAPI fuzzing ({mode.value}): {sum(sent.values())} requests over {len(sent)} operations, "
              f"statuses {dict(sorted(statuses.items()))}")
