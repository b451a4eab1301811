"""Peers and their directories: a tenant file names a peer (its instance, its tenant there,
the instance's public key); its directory, signed by that key, lists the units and named
officials that accept letters, and the roots its signatures chain to. Each listed address is
kept as an address-book entry of this tenant, so composing a letter offers it."""

from __future__ import annotations

import logging

from asn1crypto import pem
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from correspondence.models import AddressBookEntry
from correspondence.signing import trust_roots
from organizations.models import Position, Tenant, Unit

from ..adapters import adapter_for
from ..choices import AddressKind
from ..models import Peer, PeerAddress
from ..protocol import DIRECTORY, Refusal, key_from_public, public_jwk, thumbprint, verify

log = logging.getLogger(__name__)


@transaction.atomic
def peer_set(
    *,
    tenant: Tenant,
    code: str,
    name: str,
    instance_url: str,
    remote_tenant: str,
    key: dict | str,
    enabled: bool = True,
) -> Peer:
    """Add or update a peer (from the tenant file). A changed key is pinned as given: the
    administrator has compared its thumbprint with the peer's. Raises ValidationError."""
    try:
        jwk = dict(key_from_public(key).as_dict(private=False))
    except (ValueError, TypeError) as exc:
        raise ValidationError({"key": _("Not an Ed25519 public key: %(e)s") % {"e": exc}}) from exc
    instance_url = instance_url.rstrip("/")
    peer, _created = Peer.objects.update_or_create(
        tenant=tenant,
        code=code,
        defaults={
            "name": name,
            "instance_url": instance_url,
            "remote_tenant": remote_tenant,
            "key": jwk,
            "enabled": enabled,
        },
    )
    return peer


def directory_build(tenant: Tenant) -> dict:
    """What this tenant tells its peers: its active units, the heads' posts (the named
    officials a Rahasia letter may go to) and the roots its letters' signatures chain to."""
    units = Unit.objects.filter(tenant=tenant, is_active=True).order_by("path")
    heads = Position.objects.filter(
        tenant=tenant, is_head=True, is_active=True, unit__is_active=True
    ).select_related("unit")
    roots = [pem.armor("CERTIFICATE", c.dump()).decode() for c in trust_roots(tenant)]
    return {
        "tenant": tenant.slug,
        "name": tenant.name,
        "units": [{"code": u.code, "name": u.label} for u in units],
        "officials": [
            {"unit": p.unit.code, "position": p.code, "title": p.title}
            for p in heads.order_by("unit__path", "sort_order", "pk")
        ],
        "roots": roots,
    }


def directory_pin(peer: Peer) -> int:
    """Fetch the peer's signed directory and keep what it lists as this tenant's address-book
    entries (an address no longer listed is kept, inactive, for the letters that name it).
    Returns how many addresses are listed. Raises Refusal when the answer is not a directory
    signed by the pinned key; the reason is kept on the peer."""
    answer = adapter_for(peer).directory(peer)
    try:
        if not answer.ok:
            raise Refusal("unreachable", answer.error or _("The peer did not answer."))
        token = str(answer.body.get("directory", ""))
        claims = verify(token, DIRECTORY, key_from_public(peer.key))
        if claims.get("iss") != peer.instance_url or claims.get("tenant") != peer.remote_tenant:
            raise Refusal("wrong_peer", _("The directory is another instance's or tenant's."))
    except Refusal as exc:
        Peer.objects.filter(pk=peer.pk).update(directory_error=str(exc)[:500])
        raise
    return _directory_keep(peer, claims)


@transaction.atomic
def _directory_keep(peer: Peer, claims: dict) -> int:
    peer = Peer.objects.select_for_update().get(pk=peer.pk)
    units = {str(u["code"]): str(u["name"])[:250] for u in claims.get("units", [])}
    listed: dict[tuple[str, str], tuple[str, str]] = {
        (code, ""): (AddressKind.UNIT, name) for code, name in units.items()
    }
    for o in claims.get("officials", []):
        unit, position = str(o["unit"]), str(o["position"])
        if unit in units:
            title = f"{str(o['title'])[:150]}, {units[unit]}"
            listed[(unit, position)] = (AddressKind.POSITION, title)
    existing = {(a.remote_unit, a.remote_position): a for a in peer.addresses.all()}
    for key, (kind, name) in listed.items():
        _address_keep(peer, existing.get(key), key, kind, name)
    for key, address in existing.items():
        if key not in listed and address.listed:
            address.listed = False
            address.save(update_fields=["listed"])
            AddressBookEntry.objects.filter(pk=address.address_id).update(is_active=False)
    peer.roots_pem = "".join(str(r) for r in claims.get("roots", []))
    peer.directory_at, peer.directory_error = timezone.now(), ""
    peer.save(update_fields=["roots_pem", "directory_at", "directory_error"])
    return len(listed)


def _address_keep(peer: Peer, address: PeerAddress | None, key, kind: str, name: str) -> None:
    organization = f"{peer.name} ({_('partner instance')})"[:200]
    if address is None:
        entry = AddressBookEntry.objects.create(
            tenant_id=peer.tenant_id,
            name=name[:200],
            organization=organization,
            secure_official=kind == AddressKind.POSITION,
        )
        PeerAddress.objects.create(
            peer=peer,
            kind=kind,
            remote_unit=key[0],
            remote_position=key[1],
            name=name,
            address=entry,
        )
        return
    if address.name != name or not address.listed:
        address.name, address.listed = name, True
        address.save(update_fields=["name", "listed"])
    AddressBookEntry.objects.filter(pk=address.address_id).update(
        name=name[:200], organization=organization, is_active=True
    )


def directories_refresh() -> dict[str, str]:
    """Pin every enabled peer's directory again (a periodic job); a peer that fails keeps
    its last directory and says why."""
    out = {}
    for peer in Peer.objects.filter(enabled=True).select_related("tenant"):
        try:
            out[f"{peer.tenant.slug}/{peer.code}"] = str(directory_pin(peer))
        except Refusal as exc:
            out[f"{peer.tenant.slug}/{peer.code}"] = str(exc)
    return out


def instance_card() -> dict[str, str]:
    """What an administrator gives a partner city: this instance's address and key."""
    jwk = public_jwk()
    return {
        "instance": settings.NASKAH_INSTANCE_URL,
        "key": jwk["x"],
        "thumbprint": thumbprint(jwk),
    }
