"""Canonical hashing of audit rows."""

from __future__ import annotations

import hashlib
import json
from typing import Any


def row_hash(prev_hash: str, fields: dict[str, Any]) -> str:
    """sha256 over the previous hash and this row's fields in a canonical JSON form."""
    payload = json.dumps(fields, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{prev_hash}\n{payload}".encode()).hexdigest()


def transition_fields(row) -> dict[str, Any]:
    return {
        "tenant": row.tenant_id,
        "content_type": row.content_type_id,
        "object_id": row.object_id,
        "action": row.action,
        "source": row.source,
        "target": row.target,
        "actor": row.actor_id,
        "acting_position": row.acting_position_id,
        "on_behalf_of": row.on_behalf_of_id,
        "note": row.note,
        "created_at": row.created_at.isoformat(),
    }


def security_fields(row) -> dict[str, Any]:
    return {
        "tenant": row.tenant_id,
        "kind": row.kind,
        "user": row.user_id,
        "content_type": row.content_type_id,
        "object_id": row.object_id,
        "detail": row.detail,
        "ip_address": row.ip_address,
        "user_agent": row.user_agent,
        "created_at": row.created_at.isoformat(),
    }
