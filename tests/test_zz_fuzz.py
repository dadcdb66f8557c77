"""A hostile client against every service's OpenAPI: no 5xx, nothing outside the documented schemas.

Runs last (file name) on the shared stack so its junk cannot disturb the scenario tests. Driven
through schemathesis' Python API (its pytest plugin does not load under this pytest).
"""

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

CHECKS = [not_a_server_error, response_schema_conformance]
FUZZ = settings(max_examples=5, deadline=None, phases=[Phase.explicit, Phase.generate], database=None, derandomize=True,
                suppress_health_check=list(HealthCheck))


def _fuzz_operation(operation, headers) -> str | None:
    @given(case=operation.as_strategy())
    @FUZZ
    def run(case):
        case.call_and_validate(headers=headers, checks=CHECKS, timeout=20)

    try:
        run()
    except (Exception, BaseExceptionGroup) as exc:  # collect every operation's failure, then report them all
        return f"{operation.method.upper()} {operation.path}: {str(exc)[:600]}"
    return None


@pytest.mark.parametrize("service", ["registry", "monitoring", "funds", "notifications"])
def test_service_survives_fuzzing(stack, service):
    schema = schemathesis.openapi.from_url(f"{stack.url(service)}/openapi.json")
    headers = stack.headers("county_admin", "211204000000")
    failures = []
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.path in ("/metrics",):
            continue
        failure = _fuzz_operation(operation, headers)
        if failure:
            failures.append(failure)
    assert not failures, "\n\n".join(failures)


def test_public_routes_survive_fuzzing_without_a_token(stack):
    """The routes open to the public (12317 reports, self-declarations) with no token at all."""
    schema = schemathesis.openapi.from_url(f"{stack.url('monitoring')}/openapi.json")
    failures = [failure for result in schema.get_all_operations()
                if (operation := result.ok()).path.startswith("/api/v1/public/")
                and (failure := _fuzz_operation(operation, {}))]
    assert not failures, "\n\n".join(failures)
