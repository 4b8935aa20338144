"""The OpenAPI document tells the truth: Schemathesis against the application, every check on.

Each operation of ``/openapi.json`` gets its explicit examples, the coverage cases (boundaries, invalid
values, missing headers, undeclared methods) and a few generated ones, sent to the real application
over the harness's PostGIS as the test administrator. Every built-in check is on: no server error;
status codes, media types, headers and bodies as documented; schema-valid requests accepted and
invalid ones refused; required headers required; ``Allow`` on 405; nothing answered without
credentials; a deleted resource stays gone.

The run is derandomized with a fixed seed and bounded (``MAX_EXAMPLES`` generated cases per
operation besides the examples and coverage cases).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.openapi.checks import RejectedPositiveData
from schemathesis.specs.openapi.checks import positive_data_acceptance

from app import db
from app.accounts.service import SESSION_PREFIX, token_hash
from app.cluster import Cluster
from app.db import make_engine
from app.main import create_app
from app.openapi import RULES
from tests.support.accounts import TEST_USERS, auth_headers
from tests.support.databases import clone

MAX_EXAMPLES = 3
STATEFUL_SCENARIOS = 10
SEED = 20261206

APP = create_app()
CONFIG = schemathesis.Config.from_dict(
    {
        "seed": SEED,
        "generation": {"max-examples": MAX_EXAMPLES, "deterministic": True, "mode": "all"},
        # A change without If-Match is 428 Precondition Required (RFC 6585), the status for exactly that.
        "checks": {
            "enabled": True,
            "missing_required_header": {"expected-statuses": [400, 401, 403, 406, 415, 422, 428]},
        },
        "phases": {
            "examples": {"enabled": True},
            "coverage": {"enabled": True},
            "fuzzing": {"enabled": True},
        },
    }
)


async def app_over_contract_db(scope: Any, receive: Any, send: Any) -> None:
    """The application, with a lifespan of the test's: Schemathesis serves it from an event loop of its
    own (in a thread) and ends the lifespan after each test; the pool's connections, which belong to
    that loop, are closed then. (The service's lifespan would dispose of the engine for good.)"""
    if scope["type"] != "lifespan":
        await APP(scope, receive, send)
        return
    while (await receive())["type"] != "lifespan.shutdown":
        await send({"type": "lifespan.startup.complete"})
    await db.get_engine().dispose()
    await send({"type": "lifespan.shutdown.complete"})


DOCUMENT = APP.openapi()
schema = schemathesis.openapi.from_dict(DOCUMENT, config=CONFIG)
schema.app = app_over_contract_db


@pytest.fixture(scope="module")
def contract_db(cluster: Cluster, template_db: str) -> Iterator[str]:
    """A database of the run's own (it adds categories, which outlive a test), set as the service's."""
    name = f"hazardmap_contract_{os.getpid()}"
    url = clone(cluster, template_db, name)
    previous = db._engine
    engine = make_engine(url)
    db.set_engine(engine)
    try:
        yield name
    finally:
        db.set_engine(previous)
        cluster.drop_database(name)


def fresh_admin_token(cluster: Cluster, database: str) -> str:
    """A session of the test administrator's own, for a logout (which revokes the session it is sent with)."""
    token = SESSION_PREFIX + secrets.token_urlsafe(32)
    login = TEST_USERS["admin"].login
    cluster.psql(
        "INSERT INTO auth_sessions (user_id, token_hash, csrf_token, expires_at)"
        f" SELECT id, '{token_hash(token)}', 'contract', now() + interval '1 hour'"
        f" FROM users WHERE login = '{login}'",
        database,
    )
    return token


def stated_rules(case: schemathesis.Case) -> dict[str, str]:
    operation = DOCUMENT["paths"][case.operation.path][case.method.lower()]
    return dict(operation.get(RULES, {}))


def positive_data_accepted(
    ctx: schemathesis.CheckContext, response: schemathesis.Response, case: Any
) -> None:
    """Schemathesis' positive_data_acceptance, except for what the document states besides the schema.

    A valid request may still be refused for a reason the document gives: 410 or 412 (deleted meanwhile,
    or the If-Match names an older version: matters of state, as 404 and 409 are), or 422 (400 in OGC
    API) when every field named by the problem has a rule in the operation's ``x-rules`` (a code the
    database does not know, a point outside the city, min above max). Any other refusal of valid data
    fails as Schemathesis' own check does.
    """
    try:
        positive_data_acceptance(ctx, response, case)
    except RejectedPositiveData:
        if response.status_code in (410, 412):  # deleted meanwhile; an older version named: state, as 404/409
            return
        # 400 in OGC API – Features for a bad parameter; 413/415 for a file that breaks its rule.
        if response.status_code in (400, 413, 415, 422):
            fields = {e.get("field") for e in (response.json().get("errors") or [])}
            stated = set(stated_rules(case))
            # A rule of a field covers its members (window_m_by_class.expressway).
            if fields and all(f in stated or str(f).split(".")[0] in stated for f in fields):
                return
        raise


@schema.parametrize()
@settings(deadline=None, suppress_health_check=list(HealthCheck))
def test_every_operation_keeps_its_contract(
    case: schemathesis.Case, contract_db: str, cluster: Cluster
) -> None:
    headers = auth_headers("admin")
    if case.path.endswith("/auth/logout"):
        headers = {"Authorization": f"Bearer {fresh_admin_token(cluster, contract_db)}"}
    case.call_and_validate(
        headers=headers,
        excluded_checks=[positive_data_acceptance],
        additional_checks=[positive_data_accepted],
    )


def test_stateful_scenarios_keep_the_contract(contract_db: str, cluster: Cluster) -> None:
    """Create → read → change → delete along the document's links: a deleted hazard stays gone
    (use_after_free), a created one is there (ensure_resource_availability), with every check on."""
    from hypothesis.stateful import run_state_machine_as_test

    machine = schema.as_state_machine()

    class AsTheAdministrator(machine):  # type: ignore[misc,valid-type]
        def get_call_kwargs(self, case: schemathesis.Case) -> dict[str, Any]:
            if case.path.endswith("/auth/logout"):
                return {"headers": {"Authorization": f"Bearer {fresh_admin_token(cluster, contract_db)}"}}
            return {"headers": auth_headers("admin")}

        def validate_response(
            self, response: Any, case: schemathesis.Case, additional_checks: Any = None, **kwargs: Any
        ) -> None:
            case.validate_response(
                response,
                excluded_checks=[positive_data_acceptance],
                additional_checks=[positive_data_accepted],
                transport_kwargs=kwargs or None,
                recorder=getattr(self, "recorder", None),
            )

    run_state_machine_as_test(
        AsTheAdministrator,
        settings=settings(
            max_examples=STATEFUL_SCENARIOS,
            stateful_step_count=6,
            deadline=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        ),
    )
