"""Peers from the tenant file or the operator's command, and their signed directories: a
directory signed by another key is refused and changes nothing; a unit that leaves the
directory stays in the address book, inactive."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from joserfc.jwk import OKPKey

from correspondence.models import AddressBookEntry
from federation.adapters import Answer
from federation.models import Peer, PeerAddress
from federation.protocol import Refusal, public_jwk, thumbprint
from federation.services import directory_pin
from organizations.models import Unit

from ..organizations.test_tenantfile import GOOD, write

pytestmark = pytest.mark.django_db


def _peers_section(**change) -> str:
    entry = {
        "code": "binjai",
        "name": "Pemerintah Kota Binjai",
        "instance": "http://127.0.0.1:8102",
        "tenant": "binjai",
        "key": public_jwk()["x"],
    } | change
    fields = ", ".join(f"{k}: '{v}'" for k, v in entry.items())
    return f"peers:\n  - {{{fields}}}\n"


def test_the_tenant_file_names_a_peer_and_reloading_changes_it(tmp_path):
    call_command("load_tenant", str(write(tmp_path, GOOD + _peers_section())))
    peer = Peer.objects.get(code="binjai")
    assert (peer.tenant.slug, peer.remote_tenant) == ("kotabaru", "binjai")
    assert peer.key == public_jwk() and peer.enabled
    call_command(
        "load_tenant",
        str(write(tmp_path, GOOD + _peers_section(instance="https://naskah.binjaikota.go.id/"))),
    )
    peer.refresh_from_db()
    assert peer.instance_url == "https://naskah.binjaikota.go.id"


@pytest.mark.parametrize(
    "change",
    [
        {"key": "not-a-key"},
        {"instance": "ftp://naskah.binjaikota.go.id"},
        {"tenant": "Binjai Kota"},
    ],
)
def test_a_bad_peer_entry_stops_the_load(tmp_path, change):
    with pytest.raises(CommandError):
        call_command("load_tenant", str(write(tmp_path, GOOD + _peers_section(**change))))
    assert not Peer.objects.exists()


def test_the_instance_card_and_the_peer_command(world, capsys):
    call_command("federation_instance")
    out = capsys.readouterr().out
    assert public_jwk()["x"] in out and thumbprint(public_jwk()) in out
    call_command(
        "federation_peer",
        world.tenant.slug,
        "--code=binjai",
        "--name=Pemerintah Kota Binjai",
        "--instance=http://127.0.0.1:8102",
        "--peer-tenant=binjai",
        f"--key={public_jwk()['x']}",
    )
    assert Peer.objects.get(tenant=world.tenant).remote_tenant == "binjai"
    with pytest.raises(CommandError):
        call_command(
            "federation_peer",
            world.tenant.slug,
            "--code=x",
            "--name=X",
            "--instance=http://127.0.0.1:1",
            "--peer-tenant=x",
            "--key=AAAA",
        )


def test_a_directory_signed_by_another_key_is_refused_and_changes_nothing(world, exchange):
    before = PeerAddress.objects.filter(peer=exchange.medan).count()
    exchange.medan.key = dict(OKPKey.generate_key("Ed25519").as_dict(private=False))
    exchange.medan.save()
    with pytest.raises(Refusal) as refused:
        directory_pin(exchange.medan)
    assert refused.value.code == "bad_signature"
    exchange.medan.refresh_from_db()
    assert "bad_signature" in exchange.medan.directory_error
    assert PeerAddress.objects.filter(peer=exchange.medan).count() == before


def test_a_unit_that_leaves_the_directory_stays_in_the_address_book_inactive(world, exchange):
    Unit.objects.filter(pk=world.units["t_bappeda"].pk).update(is_active=False)
    directory_pin(exchange.medan)
    gone = PeerAddress.objects.get(peer=exchange.medan, remote_unit="T_BAPPEDA", remote_position="")
    assert not gone.listed
    assert not AddressBookEntry.objects.get(pk=gone.address_id).is_active
    Unit.objects.filter(pk=world.units["t_bappeda"].pk).update(is_active=True)
    directory_pin(exchange.medan)
    gone.refresh_from_db()
    assert gone.listed and AddressBookEntry.objects.get(pk=gone.address_id).is_active


def test_an_unreachable_peer_keeps_its_directory_and_says_why(world, exchange):
    exchange.wire.directory = lambda peer: Answer("retry", error="ConnectionError: refused")
    with pytest.raises(Refusal):
        directory_pin(exchange.medan)
    exchange.medan.refresh_from_db()
    assert "ConnectionError" in exchange.medan.directory_error
    assert PeerAddress.objects.filter(peer=exchange.medan, listed=True).exists()
