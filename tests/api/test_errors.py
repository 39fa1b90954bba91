"""serve/errors.py alone maps the service's errors onto HTTP statuses and JSON paths."""

from __future__ import annotations

import inspect

import pytest

from recommender.service import errors as service_errors
from serve.errors import json_path, status_of


@pytest.mark.parametrize(
    ("cls", "status"),
    [
        (service_errors.NotFoundError, 404),
        (service_errors.ConflictError, 409),
        (service_errors.InvalidInputError, 422),
        (service_errors.NotReadyError, 503),
        (service_errors.ServiceError, 500),
    ],
)
def test_each_service_error_has_one_status(cls: type, status: int) -> None:
    assert status_of(cls("boom")) == status


def test_library_errors_carry_no_http() -> None:
    classes = [c for _, c in inspect.getmembers(service_errors, inspect.isclass)]
    assert service_errors.ServiceError in classes
    for cls in classes:
        if issubclass(cls, service_errors.ServiceError):
            error = cls("boom", field=("mentee_ids", 3))
            assert not hasattr(error, "status_code")
            assert not hasattr(error, "loc")
            assert error.field == ("mentee_ids", 3)  # the call's own argument, no "body"


def test_json_paths() -> None:
    assert json_path(["body", "mentee_ids", 3]) == "$.mentee_ids[3]"
    assert json_path(["body", "filters", "languages", 0]) == "$.filters.languages[0]"
    assert json_path(["query", "limit"]) == "query:limit"
