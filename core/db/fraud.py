"""Fraud data in PostgreSQL: risk policies per organisation, and repeat-fraud memory.

- ``risk_policies``: versioned; the highest version of an organisation is in
  force, and a decision records the version it used. Versions are never
  updated or deleted, so a past decision can always be explained.
- ``fraud_faces`` / ``fraud_documents``: what each verification left behind
  for later searches (face embeddings, document hashes, document numbers).
  Writes are idempotent per (verification, file, page): a redelivered event
  writes nothing twice.

Every call is one short transaction on the pool; the contract on errors is
psycopg's (``psycopg.OperationalError`` for a lost connection: transient).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from psycopg.types.json import Jsonb

from core.db.pool import Pool


@dataclass(frozen=True)
class StoredPolicy:
    """A risk policy version as stored (``policy``: ``models.fraud.score.RiskPolicy.to_dict``)."""

    organisation_id: str
    version: int
    policy: dict[str, Any]
    share_signals: bool
    created_at: datetime | None


@dataclass(frozen=True)
class FaceRecord:
    verification_id: str
    organisation_id: str
    reference: str | None
    file_position: int
    page: int
    role: str
    id_number: str | None
    full_name: str | None
    embedding: list[float]


@dataclass(frozen=True)
class DocumentRecord:
    verification_id: str
    organisation_id: str
    reference: str | None
    file_position: int
    page: int
    document_type: str | None
    id_number: str | None
    full_name: str | None
    layout_hash: bytes
    ink_hash: str
    ink_vector: list[float]
    text_tokens: list[int] = field(default_factory=list)  # models.fraud.reuse.text_tokens


class FraudRepository:
    def __init__(self, pool: Pool) -> None:
        self.pool = pool

    # -- policies -------------------------------------------------------------------------
    async def current_policy(self, org: str) -> StoredPolicy | None:
        """The policy in force for ``org`` (highest version), or None: the default applies."""
        async with self.pool.connection() as conn:
            cur = await conn.execute(
                "SELECT * FROM risk_policies WHERE organisation_id = %s"
                " ORDER BY version DESC LIMIT 1",
                (org,),
            )
            row = await cur.fetchone()
        return None if row is None else _policy(row)

    async def policy_version(self, org: str, version: int) -> StoredPolicy | None:
        async with self.pool.connection() as conn:
            cur = await conn.execute(
                "SELECT * FROM risk_policies WHERE organisation_id = %s AND version = %s",
                (org, version),
            )
            row = await cur.fetchone()
        return None if row is None else _policy(row)

    async def add_policy(
        self, org: str, policy: dict[str, Any], share_signals: bool, created_by: str | None
    ) -> StoredPolicy:
        """Store a new version (the previous highest + 1) and return it.

        Two concurrent writers cannot both get one version number: the primary
        key rejects the second, which retries with the next number.
        """
        for _ in range(5):
            async with self.pool.connection() as conn, conn.transaction():
                cur = await conn.execute(
                    "INSERT INTO risk_policies (organisation_id, version, policy, share_signals,"
                    " created_by) SELECT %s, COALESCE(MAX(version), 0) + 1, %s, %s, %s"
                    " FROM risk_policies WHERE organisation_id = %s"
                    " ON CONFLICT DO NOTHING RETURNING *",
                    (org, Jsonb(policy), share_signals, created_by, org),
                )
                row = await cur.fetchone()
            if row is not None:
                return _policy(row)
        raise RuntimeError(f"could not allocate a policy version for {org}")

    async def recent_fraud_results(self, org: str, limit: int) -> list[dict[str, Any]]:
        """The ``limit`` newest verifications of ``org`` that have a fraud result:
        ``{"id", "created_at", "fraud"}`` (``result.fraud`` as stored), newest first.
        Reads only that part of each result; walks ``verifications_org_created``."""
        async with self.pool.connection() as conn:
            cur = await conn.execute(
                "SELECT id, created_at, result -> 'fraud' AS fraud FROM verifications"
                " WHERE organisation_id = %s AND result ? 'fraud'"
                " ORDER BY created_at DESC, id DESC LIMIT %s",
                (org, limit),
            )
            return [dict(r) for r in await cur.fetchall()]

    async def sharing_organisations(self) -> set[str]:
        """Organisations whose policy in force opts in to cross-organisation signals."""
        async with self.pool.connection() as conn:
            cur = await conn.execute(
                "SELECT DISTINCT ON (organisation_id) organisation_id, share_signals"
                " FROM risk_policies ORDER BY organisation_id, version DESC"
            )
            rows = await cur.fetchall()
        return {r["organisation_id"] for r in rows if r["share_signals"]}

    # -- faces ----------------------------------------------------------------------------
    async def add_faces(self, faces: list[FaceRecord]) -> None:
        if not faces:
            return
        async with self.pool.connection() as conn, conn.transaction():
            for f in faces:
                await conn.execute(
                    "INSERT INTO fraud_faces (verification_id, organisation_id, reference,"
                    " file_position, page, role, id_number, full_name, embedding)"
                    " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)"
                    " ON CONFLICT (verification_id, file_position, page) DO NOTHING",
                    (
                        f.verification_id,
                        f.organisation_id,
                        f.reference,
                        f.file_position,
                        f.page,
                        f.role,
                        f.id_number,
                        f.full_name,
                        f.embedding,
                    ),
                )

    async def faces_after(self, after_id: int, limit: int = 10_000) -> list[dict[str, Any]]:
        """Face rows with ``id > after_id``, oldest first (the index's catch-up)."""
        async with self.pool.connection() as conn:
            cur = await conn.execute(
                "SELECT id, organisation_id, embedding FROM fraud_faces WHERE id > %s"
                " ORDER BY id LIMIT %s",
                (after_id, limit),
                binary=True,  # real[] in binary parses ~2x faster than as text
            )
            return list(await cur.fetchall())

    async def face_ids_after(self, after_id: int) -> list[int]:
        """Ids of face rows with ``id > after_id`` (the index's cheap catch-up probe)."""
        async with self.pool.connection() as conn:
            cur = await conn.execute(
                "SELECT id FROM fraud_faces WHERE id > %s ORDER BY id", (after_id,)
            )
            return [int(r["id"]) for r in await cur.fetchall()]

    async def faces_by_id(self, ids: list[int]) -> list[dict[str, Any]]:
        if not ids:
            return []
        async with self.pool.connection() as conn:
            cur = await conn.execute(
                "SELECT id, verification_id, organisation_id, reference, id_number, full_name,"
                " embedding FROM fraud_faces WHERE id = ANY(%s)",
                (ids,),
            )
            return list(await cur.fetchall())

    async def faces_with_number(
        self, orgs: list[str], id_number: str, exclude_verification: str
    ) -> list[dict[str, Any]]:
        """Earlier faces stored under this document number (other verifications)."""
        async with self.pool.connection() as conn:
            cur = await conn.execute(
                "SELECT id, verification_id, organisation_id, reference, full_name, embedding"
                " FROM fraud_faces WHERE organisation_id = ANY(%s) AND id_number = %s"
                " AND verification_id <> %s ORDER BY id DESC LIMIT 50",
                (orgs, id_number, exclude_verification),
            )
            return list(await cur.fetchall())

    # -- documents ------------------------------------------------------------------------
    async def add_documents(self, docs: list[DocumentRecord]) -> None:
        if not docs:
            return
        async with self.pool.connection() as conn, conn.transaction():
            for d in docs:
                await conn.execute(
                    "INSERT INTO fraud_documents (verification_id, organisation_id, reference,"
                    " file_position, page, document_type, id_number, full_name, layout_hash,"
                    " ink_hash, ink_vector, text_tokens)"
                    " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
                    " ON CONFLICT (verification_id, file_position, page) DO NOTHING",
                    (
                        d.verification_id,
                        d.organisation_id,
                        d.reference,
                        d.file_position,
                        d.page,
                        d.document_type,
                        d.id_number,
                        d.full_name,
                        d.layout_hash,
                        d.ink_hash,
                        d.ink_vector,
                        d.text_tokens,
                    ),
                )

    async def document_vectors_after(
        self, after_id: int, limit: int = 10_000
    ) -> list[dict[str, Any]]:
        """Page rows (id, organisation, verification, type, ink vector, value tokens) with ``id >
        after_id``, oldest first: the worker's mirror (``streams.fraud_index``)."""
        async with self.pool.connection() as conn:
            cur = await conn.execute(
                "SELECT id, organisation_id, verification_id, document_type, ink_vector,"
                " text_tokens FROM fraud_documents WHERE id > %s ORDER BY id LIMIT %s",
                (after_id, limit),
                binary=True,  # real[] in binary parses ~2x faster than as text
            )
            return list(await cur.fetchall())

    async def document_ids_after(self, after_id: int) -> list[int]:
        """Ids of page rows with ``id > after_id`` (the mirror's cheap catch-up probe)."""
        async with self.pool.connection() as conn:
            cur = await conn.execute(
                "SELECT id FROM fraud_documents WHERE id > %s ORDER BY id", (after_id,)
            )
            return [int(r["id"]) for r in await cur.fetchall()]

    async def document_vectors_by_id(self, ids: list[int]) -> list[dict[str, Any]]:
        """As :meth:`document_vectors_after`, for these ids."""
        if not ids:
            return []
        async with self.pool.connection() as conn:
            cur = await conn.execute(
                "SELECT id, organisation_id, verification_id, document_type, ink_vector,"
                " text_tokens FROM fraud_documents WHERE id = ANY(%s)",
                (ids,),
                binary=True,
            )
            return list(await cur.fetchall())

    async def documents_sharing_values(
        self,
        orgs: list[str],
        document_type: str | None,
        tokens: list[int],
        exclude_verification: str,
        limit: int = 50,
    ) -> list[tuple[int, list[int]]]:
        """(id, value tokens) of the newest ``limit`` stored pages of the type that share
        at least one value token (``models.fraud.reuse.text_tokens``; GIN index)."""
        if not tokens:
            return []
        async with self.pool.connection() as conn:
            cur = await conn.execute(
                "SELECT id, text_tokens FROM fraud_documents WHERE organisation_id = ANY(%s)"
                " AND document_type IS NOT DISTINCT FROM %s AND verification_id <> %s"
                " AND text_tokens && %s::bigint[] ORDER BY id DESC LIMIT %s",
                (orgs, document_type, exclude_verification, tokens, limit),
            )
            return [(int(r["id"]), list(r["text_tokens"])) for r in await cur.fetchall()]

    async def documents_by_id(self, ids: list[int]) -> list[dict[str, Any]]:
        """The shortlisted rows in full (hashes, who they were stored for)."""
        if not ids:
            return []
        async with self.pool.connection() as conn:
            cur = await conn.execute(
                "SELECT id, verification_id, organisation_id, reference, id_number, full_name,"
                " layout_hash, ink_hash, text_tokens FROM fraud_documents WHERE id = ANY(%s)",
                (ids,),
            )
            return list(await cur.fetchall())

    # -- velocity -------------------------------------------------------------------------
    async def velocity(
        self,
        org: str,
        since: timedelta,
        *,
        reference: str | None,
        id_numbers: list[str],
        device_id: str | None,
        ip_address: str | None,
        verification_id: str,
    ) -> dict[str, int]:
        """Verifications of ``org`` in the last ``since``, per key the caller has, this one
        (``verification_id``) included: it is in the verification table already, and it is
        counted once for its document numbers whether its pages are stored yet or not (a
        redelivered event finds them stored; the stage writes them while this runs)."""
        counts: dict[str, int] = {}
        async with self.pool.connection() as conn:
            for name, column, value in (
                ("reference", "reference", reference),
                ("device", "metadata->>'deviceId'", device_id),
                ("ip", "metadata->>'ipAddress'", ip_address),
            ):
                if not value:
                    continue
                cur = await conn.execute(
                    f"SELECT count(*) AS n FROM verifications WHERE organisation_id = %s"  # noqa: S608 - column from the fixed tuple above
                    f" AND {column} = %s AND created_at > now() - %s",
                    (org, value, since),
                )
                row = await cur.fetchone()
                counts[name] = int(row["n"]) if row else 0
            if id_numbers:
                cur = await conn.execute(
                    "SELECT count(DISTINCT verification_id) AS n FROM fraud_documents"
                    " WHERE organisation_id = %s AND id_number = ANY(%s)"
                    " AND created_at > now() - %s AND verification_id <> %s",
                    (org, id_numbers, since, verification_id),
                )
                row = await cur.fetchone()
                counts["document"] = (int(row["n"]) if row else 0) + 1
        return counts


def _policy(row: dict[str, Any]) -> StoredPolicy:
    return StoredPolicy(
        row["organisation_id"],
        int(row["version"]),
        dict(row["policy"]),
        bool(row["share_signals"]),
        row.get("created_at"),
    )
