"""Real services for tests: reachable ones are used, unreachable ones skip with the reason,
unless `TERTULIA_TEST_REQUIRE` names them (as CI does), which turns the skip into a failure."""

from __future__ import annotations

import os
from typing import NoReturn

import pytest

POSTGRES_URL = os.environ.get(
    "TERTULIA_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("TERTULIA_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
# http://KEY:SECRET@host:port/bucket of an S3-compatible server; empty: the tests start
# SeaweedFS (`weed`, from the dev dependencies) themselves
S3_URL = os.environ.get("TERTULIA_TEST_S3_URL", "")
REQUIRED = {s.strip() for s in os.environ.get("TERTULIA_TEST_REQUIRE", "").split(",") if s.strip()}


def unavailable(service: str, reason: str) -> NoReturn:
    """Skip (or, if the service is required, fail) the test that needed it."""
    message = f"{service} is not reachable: {reason}"
    if service in REQUIRED:
        pytest.fail(f"{message} (required by TERTULIA_TEST_REQUIRE)", pytrace=False)
    pytest.skip(message)
