"""``/api/v1/kyc/risk-policy``: the organisation's fraud-risk weights and bands, versioned.

Every ``PUT`` stores a new version (versions are never changed or deleted);
the highest is in force from the next verification on. Each decision records
the version it used (``result.fraud.risk.policyVersion``, ``<org>/v<N>``, or
``fraud-…`` for the built-in default), and ``GET …/versions/{n}`` shows any
past version, so a decision can be explained later. ``POST …/simulate`` shows,
before a PUT, how a candidate policy would have decided the organisation's newest
verifications (:mod:`models.fraud.whatif`).
"""

from __future__ import annotations

import asyncio
from typing import Any

from litestar import Request, get, post, put
from litestar.datastructures import State
from litestar.di import Provide

from core.db.fraud import FraudRepository, StoredPolicy
from core.errors import InvalidRequest, NotFound
from core.timefmt import iso_z
from ingest.auth import principal_of, requires
from ingest.deps import organisation_id
from models.fraud.score import InvalidPolicy, RiskPolicy, policy_from_body
from models.fraud.whatif import StoredFraud, simulate

GUARDS = [requires("risk:manage")]
DEFAULT_SIMULATED = 500
MAX_SIMULATED = 2000


def repo(state: State) -> FraudRepository:
    return FraudRepository(state.pool)


DEPS = {
    "org": Provide(organisation_id, sync_to_thread=False),
    "fraud": Provide(repo, sync_to_thread=False),
}


def _view(org: str, stored: StoredPolicy | None) -> dict[str, Any]:
    if stored is None:
        policy = RiskPolicy().to_dict()
        return {
            "object": "risk_policy",
            "organisationId": org,
            "version": None,
            "policyVersion": policy["version"],
            "default": True,
            "weights": policy["weights"],
            "bands": policy["bands"],
            "graded": policy["graded"],
            "shareSignals": False,
            "createdAt": None,
        }
    return {
        "object": "risk_policy",
        "organisationId": org,
        "version": stored.version,
        "policyVersion": f"{org}/v{stored.version}",
        "default": False,
        "weights": stored.policy["weights"],
        "bands": stored.policy["bands"],
        # Versions stored before graded evidence existed were scored without it.
        "graded": stored.policy.get("graded") or {"share": 0.0, "signals": []},
        "shareSignals": stored.share_signals,
        "createdAt": iso_z(stored.created_at),
    }


@get("/api/v1/kyc/risk-policy", dependencies=DEPS, guards=GUARDS, tags=["risk"])
async def get_policy(org: str, fraud: FraudRepository) -> dict[str, Any]:
    """The policy in force (the built-in default until a first PUT)."""
    return _view(org, await fraud.current_policy(org))


@get(
    "/api/v1/kyc/risk-policy/versions/{version:int}",
    dependencies=DEPS,
    guards=GUARDS,
    tags=["risk"],
)
async def get_policy_version(version: int, org: str, fraud: FraudRepository) -> dict[str, Any]:
    stored = await fraud.policy_version(org, version)
    if stored is None:
        raise NotFound(f"no risk policy version {version}")
    return _view(org, stored)


def _candidate(data: Any, extra: frozenset[str] = frozenset()) -> RiskPolicy:
    """:func:`models.fraud.score.policy_from_body`, its errors as 400s."""
    try:
        return policy_from_body(data, "candidate", extra)
    except InvalidPolicy as exc:
        raise InvalidRequest(str(exc), field=exc.field) from None


@put("/api/v1/kyc/risk-policy", dependencies=DEPS, guards=GUARDS, tags=["risk"], status_code=201)
async def put_policy(
    request: Request[Any, Any, State], data: dict[str, Any], org: str, fraud: FraudRepository
) -> dict[str, Any]:
    """Store a new version: ``{"weights": {signal: points}, "bands": {"approveMax",
    "reviewMax"}, "graded": {"share", "signals"}, "shareSignals": false}`` (see
    :func:`_candidate`)."""
    policy = _candidate(data, frozenset({"shareSignals"}))
    share = data.get("shareSignals", False)
    if not isinstance(share, bool):
        raise InvalidRequest("shareSignals must be true or false", field="shareSignals")
    body = policy.to_dict()
    del body["version"]
    stored = await fraud.add_policy(org, body, share, principal_of(request).subject)
    return _view(org, stored)


@post(
    "/api/v1/kyc/risk-policy/simulate",
    dependencies=DEPS,
    guards=GUARDS,
    tags=["risk"],
    status_code=200,
)
async def simulate_policy(data: dict[str, Any], org: str, fraud: FraudRepository) -> dict[str, Any]:
    """What a candidate policy would have decided on the organisation's newest
    verifications, against the risk decisions recorded; stores nothing. Body: a PUT
    body (without ``shareSignals``) plus ``limit`` (how many verifications, 1 to
    :data:`MAX_SIMULATED`, default :data:`DEFAULT_SIMULATED`). Re-scoring runs in a
    worker thread, off the event loop (under half a millisecond a verification on two
    cores: ``benchmarks.policy_simulation``, docs/benchmarks.md)."""
    policy = _candidate(data, frozenset({"limit"}))
    limit = data.get("limit", DEFAULT_SIMULATED)
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_SIMULATED:
        raise InvalidRequest(f"limit must be an integer from 1 to {MAX_SIMULATED}", field="limit")
    rows = await fraud.recent_fraud_results(org, limit)
    records = [StoredFraud(r["id"], r["created_at"], r["fraud"]) for r in rows]
    outcome = await asyncio.to_thread(simulate, records, policy)
    for change in outcome["changes"]:
        change["createdAt"] = iso_z(change["createdAt"])
    candidate = policy.to_dict()
    del candidate["version"]
    return {
        "object": "risk_policy_simulation",
        "organisationId": org,
        "candidate": candidate,
        "from": iso_z(records[-1].created_at) if records else None,  # newest first
        "to": iso_z(records[0].created_at) if records else None,
        **outcome,
    }


ROUTES = [get_policy, get_policy_version, put_policy, simulate_policy]
