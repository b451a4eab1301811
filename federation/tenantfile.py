"""The tenant file's `peers` section: the tenants on other Naskah instances this tenant
exchanges letters with. `key` is the peer instance's public key (the `x` of its Ed25519 JWK,
as `manage.py federation_instance` prints it there); compare its thumbprint with the peer's
administrator before you load the file. The peer's units are listed by its directory,
fetched by `manage.py federation_directory` and refreshed on a schedule.

    peers:
      - code: binjai
        name: Pemerintah Kota Binjai
        instance: https://naskah.binjaikota.go.id
        tenant: binjai
        key: 0mT6...vQ
"""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import ValidationError
from pydantic import Field

from organizations.tenantfile import SLUG, Section, Strict, TenantFileError

from .models import Peer
from .services import peer_set


class PeerEntry(Strict):
    code: str = Field(pattern=SLUG, max_length=40)
    name: str = Field(min_length=1, max_length=200)
    instance: str = Field(pattern=r"^https?://[^\s/?#]+(/[^\s?#]*)?$", max_length=300)
    tenant: str = Field(pattern=SLUG, max_length=50)
    key: str = Field(pattern=r"^[A-Za-z0-9_-]{43}$", description="the instance key's x")
    enabled: bool = True


def _load(tenant, entries: list[PeerEntry], base_dir: Path) -> dict[str, int]:
    made = 0
    for e in entries:
        made += not Peer.objects.filter(tenant=tenant, code=e.code).exists()
        try:
            peer_set(
                tenant=tenant,
                code=e.code,
                name=e.name,
                instance_url=e.instance,
                remote_tenant=e.tenant,
                key=e.key,
                enabled=e.enabled,
            )
        except ValidationError as exc:
            raise TenantFileError(f"peers: {e.code}: {'; '.join(exc.messages)}") from exc
    return {"peers": made} if made else {}


SECTIONS = [Section("peers", PeerEntry, _load, order=60)]
