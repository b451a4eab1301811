"""The certificate authority of a local signing provider (scripts/csc_local.py,
scripts/bsre_local.py): a root with a CRL and one signer certificate per user, as a certomancer
configuration; the provider's HTTP server also serves the CRL (certomancer's Animator), so a
signature made with it carries real revocation data. Development and tests only.

Users are given as `ID:SECRET[:STATE]` (STATE ok, expired or revoked): ID names the signer
(a CSC credential label, a NIK), SECRET is what the provider checks (a PIN, a passphrase).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from pki_services import _key_write


@dataclass(frozen=True)
class ProviderUser:
    ident: str
    secret: str
    state: str = "ok"  # ok | expired | revoked


def parse_user(text: str) -> ProviderUser:
    ident, secret, *rest = text.split(":")
    state = rest[0] if rest else "ok"
    if state not in {"ok", "expired", "revoked"}:
        raise ValueError(f"unknown state {state!r} for {ident}")
    return ProviderUser(ident, secret, state)


def _cert(user: ProviderUser) -> str:
    label = json.dumps(user.ident)
    valid_to = "2021-01-01T00:00:00+0000" if user.state == "expired" else "2070-01-01T00:00:00+0000"
    revocation = (
        """
        revocation:
          revoked-since: "2021-06-01T00:00:00+0000"
          reason: key_compromise"""
        if user.state == "revoked"
        else ""
    )
    return f"""
      {label}:
        subject: {label}
        issuer: root
        validity:
          valid-from: "2020-01-01T00:00:00+0000"
          valid-to: "{valid_to}"
        extensions:
          - id: key_usage
            critical: true
            smart-value:
              schema: key-usage
              params: [digital_signature, non_repudiation]{revocation}"""


def config_text(*, port: int, arch: str, root_name: str, users: list[ProviderUser]) -> str:
    keys = "".join(
        f"\n      {json.dumps(u.ident)}:\n        path: {u.ident}.key.pem" for u in users
    )
    entities = "".join(
        f"\n      {json.dumps(u.ident)}:\n        common-name: Signer {u.ident}" for u in users
    )
    certs = "".join(_cert(u) for u in users)
    return f"""external-url-prefix: "http://127.0.0.1:{port}"
keysets:
  {arch}:
    path-prefix: keys
    keys:
      root:
        path: root.key.pem{keys}
pki-architectures:
  {arch}:
    keyset: {arch}
    entity-defaults:
      country-name: ID
      organization-name: {root_name}
    entities:
      root:
        common-name: {root_name}{entities}
    certs:
      root:
        subject: root
        subject-key: root
        issuer: root
        authority-key: root
        validity:
          valid-from: "2020-01-01T00:00:00+0000"
          valid-to: "2080-01-01T00:00:00+0000"
        profiles:
          - id: simple-ca
            params:
              crl-repo: root{certs}
    services:
      crl-repo:
        root:
          for-issuer: root
          signing-key: root
          simulated-update-schedule: "P90D"
"""


def prepare(directory: Path, *, port: int, arch: str, root_name: str, users: list[ProviderUser]):
    """Write keys (once per label) and the configuration; returns (CertomancerConfig, PKI
    architecture) and writes the root as `root.pem` in `directory`."""
    from asn1crypto import pem
    from certomancer.registry import CertLabel, CertomancerConfig

    keys = directory / "keys"
    keys.mkdir(parents=True, exist_ok=True)
    for label in ["root", *(u.ident for u in users)]:
        if not (keys / f"{label}.key.pem").exists():
            _key_write(keys / f"{label}.key.pem")
    path = directory / "certomancer.yml"
    path.write_text(config_text(port=port, arch=arch, root_name=root_name, users=users))
    config = CertomancerConfig.from_file(str(path), key_search_dir=str(directory))
    pki = config.get_pki_arch(arch)
    root = pki.get_cert(CertLabel("root"))
    (directory / "root.pem").write_text(pem.armor("CERTIFICATE", root.dump()).decode())
    return config, pki


def animator(config):
    """Certomancer's WSGI app serving the root's CRL (and the certificates)."""
    from certomancer.integrations.animator import Animator, AnimatorArchStore

    return Animator(AnimatorArchStore(config.pki_archs), with_web_ui=False)
