"""Administration of API clients (run by operators on a trusted host).

    python -m ingest.admin create-org "Acme Bank" [--plan standard]
    python -m ingest.admin set-plan ORG_ID enterprise
    python -m ingest.admin create-client ORG_ID "backend" --scopes verify:write verify:read
    python -m ingest.admin rotate-secret CLIENT_ID      (old secret valid 24 h more)
    python -m ingest.admin revoke-client CLIENT_ID
    python -m ingest.admin create-key ORG_ID "mobile app" --scopes verify:write
    python -m ingest.admin revoke-key KEY_ID_OR_PREFIX
    python -m ingest.admin list ORG_ID

Secrets are printed once, as JSON, and never stored in clear.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from typing import Any

from core.auth import SCOPES, AuthRepository
from core.db.pool import open_pool
from core.settings import Settings, get_settings


async def run(settings: Settings, args: argparse.Namespace) -> Any:
    pool = await open_pool(settings.postgres)
    try:
        repo = AuthRepository(pool)
        match args.command:
            case "create-org":
                return {"organisationId": await repo.create_organisation(args.name, args.plan)}
            case "set-plan":
                await repo.set_plan(args.org, args.plan)
                return {"organisationId": args.org, "plan": args.plan}
            case "create-client":
                issued = await repo.create_client(args.org, args.name, args.scopes)
                return {
                    "clientId": issued.id,
                    "clientSecret": issued.secret,
                    "note": "the secret is shown once",
                }
            case "rotate-secret":
                issued = await repo.rotate_client_secret(args.client)
                return {
                    "clientId": issued.id,
                    "clientSecret": issued.secret,
                    "note": "the previous secret stays valid for 24 hours",
                }
            case "revoke-client":
                return {"revoked": await repo.revoke_client(args.client)}
            case "create-key":
                issued = await repo.create_key(args.org, args.name, args.scopes)
                return {
                    "keyId": issued.id,
                    "apiKey": issued.secret,
                    "note": "the key is shown once",
                }
            case "revoke-key":
                return {"revoked": await repo.revoke_key(args.key)}
            case _:
                return await repo.list_credentials(args.org)
    finally:
        await pool.close()


def provision(settings: Settings, name: str, plan: str = "standard") -> tuple[str, str]:
    """A new organisation with one API key carrying every scope: (organisation id, key).

    For demos, benchmarks and tests; blocking (runs its own event loop).
    """

    async def go() -> tuple[str, str]:
        pool = await open_pool(settings.postgres)
        try:
            repo = AuthRepository(pool)
            org = await repo.create_organisation(name, plan)
            return org, (await repo.create_key(org, f"{name} key", SCOPES)).secret
        finally:
            await pool.close()

    return asyncio.run(go())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m ingest.admin",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("create-org")
    p.add_argument("name")
    p.add_argument("--plan", default="standard")
    p = sub.add_parser("set-plan")
    p.add_argument("org")
    p.add_argument("plan")
    for name in ("create-client", "create-key"):
        p = sub.add_parser(name)
        p.add_argument("org")
        p.add_argument("name")
        p.add_argument("--scopes", nargs="+", default=sorted(SCOPES), choices=sorted(SCOPES))
    sub.add_parser("rotate-secret").add_argument("client")
    sub.add_parser("revoke-client").add_argument("client")
    sub.add_parser("revoke-key").add_argument("key")
    sub.add_parser("list").add_argument("org")
    args = parser.parse_args(argv)
    try:
        out = asyncio.run(run(get_settings(), args))
    except (LookupError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(out, default=str, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
