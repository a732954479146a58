"""``/api/v1/kyc/risk-policy``: the organisation's fraud-risk weights and bands, versioned.

Every ``PUT`` stores a new version (versions are never changed or deleted);
the highest is in force from the next verification on. Each decision records
the version it used (``result.fraud.risk.policyVersion``, ``<org>/v<N>``, or
``fraud-…`` for the built-in default), and ``GET …/versions/{n}`` shows any
past version, so a decision can be explained later.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, get, put
from litestar.datastructures import State
from litestar.di import Provide

from core.db.fraud import FraudRepository, StoredPolicy
from core.errors import InvalidRequest, NotFound
from ingest.auth import principal_of, requires
from ingest.deps import organisation_id
from models.fraud.score import DEFAULT_WEIGHTS, InvalidPolicy, RiskPolicy

GUARDS = [requires("risk:manage")]


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
        "createdAt": stored.created_at.isoformat().replace("+00:00", "Z")
        if stored.created_at
        else None,
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


@put("/api/v1/kyc/risk-policy", dependencies=DEPS, guards=GUARDS, tags=["risk"], status_code=201)
async def put_policy(
    request: Request[Any, Any, State], data: dict[str, Any], org: str, fraud: FraudRepository
) -> dict[str, Any]:
    """Store a new version: ``{"weights": {signal: points}, "bands": {"approveMax",
    "reviewMax"}, "graded": {"share", "signals"}, "shareSignals": false}``. What is
    not given keeps the default; an unknown signal name is an error (a typo would
    otherwise weigh nothing)."""
    if not isinstance(data, dict):
        raise InvalidRequest("the body must be a JSON object")
    unknown_keys = set(data) - {"weights", "bands", "graded", "shareSignals"}
    if unknown_keys:
        raise InvalidRequest(f"unknown field(s): {', '.join(sorted(unknown_keys))}")
    base = RiskPolicy().to_dict()
    weights = data.get("weights", {})
    if not isinstance(weights, dict):
        raise InvalidRequest("weights must be an object", field="weights")
    unknown = set(weights) - set(DEFAULT_WEIGHTS)
    if unknown:
        raise InvalidRequest(
            f"unknown signal(s): {', '.join(sorted(unknown))}; known: "
            + ", ".join(sorted(DEFAULT_WEIGHTS)),
            field="weights",
        )
    graded = data.get("graded") or {}
    if not isinstance(graded, dict) or set(graded) - {"share", "signals"}:
        raise InvalidRequest('graded must be {"share": number, "signals": [name]}', field="graded")
    named = graded.get("signals", [])
    if not isinstance(named, list) or not all(isinstance(n, str) for n in named):
        raise InvalidRequest("graded.signals must be a list of signal names", field="graded")
    if set(named) - set(DEFAULT_WEIGHTS):
        raise InvalidRequest(
            f"unknown signal(s): {', '.join(sorted(set(named) - set(DEFAULT_WEIGHTS)))}",
            field="graded",
        )
    share = data.get("shareSignals", False)
    if not isinstance(share, bool):
        raise InvalidRequest("shareSignals must be true or false", field="shareSignals")
    candidate = {
        "version": "candidate",
        "weights": base["weights"] | weights,
        "bands": base["bands"] | (data.get("bands") or {}),
        "graded": base["graded"] | graded,
    }
    try:
        policy = RiskPolicy.from_dict(candidate)
    except InvalidPolicy as exc:
        raise InvalidRequest(str(exc)) from None
    body = policy.to_dict()
    del body["version"]
    stored = await fraud.add_policy(org, body, share, principal_of(request).subject)
    return _view(org, stored)


ROUTES = [get_policy, get_policy_version, put_policy]
