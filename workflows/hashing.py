"""Canonical hashing of audit rows."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any


def row_hash(prev_hash: str, fields: dict[str, Any]) -> str:
    """sha256 over the previous hash and this row's fields in a canonical JSON form."""
    payload = json.dumps(fields, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{prev_hash}\n{payload}".encode()).hexdigest()


# The fields each chain's hash covers (changing a list breaks every chain already written).
TRANSITION_HASHED = ("tenant", "content_type", "object_id", "action", "source", "target")
TRANSITION_HASHED += ("actor", "acting_position", "on_behalf_of", "note", "created_at")
SECURITY_HASHED = ("tenant", "kind", "user", "content_type", "object_id", "detail")
SECURITY_HASHED += ("ip_address", "user_agent", "created_at")


def hashed_fields(row, names: tuple[str, ...]) -> dict[str, Any]:
    """The named fields of an audit row as its hash covers them: a foreign key as its id, a
    time in ISO form."""
    out = {}
    for name in names:
        value = getattr(row, row._meta.get_field(name).attname)
        out[name] = value.isoformat() if isinstance(value, dt.datetime) else value
    return out


def transition_fields(row) -> dict[str, Any]:
    return hashed_fields(row, TRANSITION_HASHED)


def security_fields(row) -> dict[str, Any]:
    return hashed_fields(row, SECURITY_HASHED)
