"""The schema-driven fuzz run: schemathesis (its examples, coverage and fuzzing phases, as
`st run` runs them) over every operation of /openapi.json, against a real server process on
SQLite and on PostgreSQL, signed in as a real person and addressing real things most of the
time (see `shaping`). Any 5xx, any answer whose status, content type, headers or body the
document does not describe, any invalid input accepted, and any unsupported method not
answered 405 with `Allow`, fails the suite.

Reproducible: Hypothesis is derandomized and every choice of ours comes from one seed. The
budget is a number of cases, never a time: about 2,700 requests per database."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
import schemathesis.engine
from hypothesis import strategies as st
from schemathesis import Case, HookContext
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import events

from tests.e2e.server import UNLIMITED_SETTINGS, environment, running_server
from tests.e2e.shaping import Shaper
from tests.e2e.world import World, build_world

pytestmark = pytest.mark.slow

# tus parts are raw bytes
schemathesis.openapi.media_type("application/offset+octet-stream", st.binary(max_size=64))

# no limit on what a person does, so that the run reaches what each operation does
SERVER = UNLIMITED_SETTINGS
CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
    "response_headers_conformance",
    "negative_data_rejection",
    "unsupported_method",
    "allow_header_conformance",
)
CONFIG: dict[str, Any] = {
    "seed": 13,
    "generation": {
        "deterministic": True,
        "max-examples": 25,  # per operation, in the fuzzing phase
        "with-security-parameters": False,  # `Shaper` says who is calling
    },
    "phases": {"stateful": {"enabled": False}},
    "checks": {
        "enabled": False,
        **{name: {"enabled": True} for name in CHECKS},
        # a tus request in a version we do not speak is refused with 412, a file over the
        # size limit with 413: refusals as much as a 400 is
        "negative_data_rejection": {
            "enabled": True,
            "expected-statuses": [400, 401, 403, 404, 409, 412, 413, 415, 422],
        },
    },
}


@pytest.fixture
def fuzz_server(database_url: str, tmp_path: Path) -> Iterator[str]:
    env = environment(tmp_path, TERTULIA_DATABASE_URL=database_url, **SERVER)
    with running_server(env, tmp_path / "server.log") as base:
        yield base


@pytest.fixture
def world(fuzz_server: str) -> Iterator[World]:
    with httpx.Client(base_url=fuzz_server, timeout=30) as http:
        yield build_world(http)


def fuzz(base: str, world: World) -> tuple[list[str], dict[str, int]]:
    """Run the phases over every operation: each failure (with a curl that reproduces it
    and what the server answered), and how many requests each phase sent."""
    spec = httpx.get(f"{base}/openapi.json").json()
    schema = schemathesis.openapi.from_dict(
        spec, config=SchemathesisConfig.from_dict({**CONFIG, "base-url": base})
    )
    shaper = Shaper(world, spec)

    def map_case(context: HookContext, case: Case) -> Case:
        return shaper(case)

    schema.hooks.register_hook_with_name(map_case, "map_case")
    failures: list[str] = []
    sent: dict[str, int] = {}
    for event in schemathesis.engine.from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            recorder = event.recorder
            sent[event.phase.value] = sent.get(event.phase.value, 0) + len(recorder.interactions)
            for case_id, nodes in recorder.checks.items():
                for node in nodes:
                    if node.failure_info is None:
                        continue
                    failure = node.failure_info.failure
                    interaction = recorder.interactions.get(case_id)
                    answer = interaction.response if interaction else None
                    said = (
                        f"{answer.status_code} {(answer.content or b'')[:500]!r}" if answer else ""
                    )
                    failures.append(
                        f"{recorder.label}: {failure.title}\n{failure.message}\n"
                        f"{node.failure_info.code_sample}\n-> {said}"
                    )
        elif isinstance(event, events.NonFatalError):
            failures.append(f"{event.label}: {event.info.title}: {event.info.message}")
        elif isinstance(event, events.FatalError):
            failures.append(f"fatal: {event.exception!r}")
    return failures, sent


def test_every_operation_answers_as_its_document_says(fuzz_server: str, world: World) -> None:
    """Whatever a client sends to any operation, the server never fails (5xx), refuses what
    the document calls invalid, and answers only statuses, types, headers and bodies the
    document describes; a method a path does not take is 405 with every one it does."""
    failures, sent = fuzz(fuzz_server, world)
    print(f"requests sent, by phase: {sent}")  # shown with a failure, or with -s
    assert sum(sent.values()) > 2000, sent  # the run reached every operation, many times
    assert not failures, "\n\n".join(dict.fromkeys(failures))
