"""A real local timestamp authority (RFC 3161) with its own root and CRL, for `make run`, the
tests and CI: certomancer's Animator on loopback.

    python scripts/pki_services.py [--port 8790] [--dir var/pki]

On first start it creates the keys (ECDSA P-256, development only) and the certomancer
configuration under --dir, writes the TSA root as `tsa-root.pem` there (the file the platform
trusts through NASKAH_TSA_ROOTS) and serves, until stopped:

    http://127.0.0.1:PORT/naskah-dev/tsa/tsa              the timestamp authority
    http://127.0.0.1:PORT/naskah-dev/crls/root/latest.crl  the TSA root's CRL

A production city points NASKAH_TSA_URL at its certified TSA instead (for example BSrE's).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ARCH = "naskah-dev"


def _key_write(path: Path) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    path.chmod(0o600)


def config_text(*, port: int) -> str:
    """The certomancer configuration: a root valid 2020–2080 and a TSA certificate valid
    2020–2070 (long, so archived letters verify for decades in development), with the root's
    CRL as the TSA certificate's distribution point."""
    return f"""external-url-prefix: "http://127.0.0.1:{port}"
keysets:
  naskah-dev:
    path-prefix: keys
    keys:
      root:
        path: root.key.pem
      tsa:
        path: tsa.key.pem
pki-architectures:
  {ARCH}:
    keyset: naskah-dev
    entity-defaults:
      country-name: ID
      organization-name: Naskah Development PKI
    entities:
      root:
        common-name: Naskah Development TSA Root
      tsa:
        common-name: Naskah Development Timestamp Authority
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
              crl-repo: root
      tsa:
        subject: tsa
        issuer: root
        validity:
          valid-from: "2020-01-01T00:00:00+0000"
          valid-to: "2070-01-01T00:00:00+0000"
        extensions:
          - id: key_usage
            critical: true
            smart-value:
              schema: key-usage
              params: [digital_signature]
          - id: extended_key_usage
            critical: true
            value: [time_stamping]
    services:
      crl-repo:
        root:
          for-issuer: root
          signing-key: root
          simulated-update-schedule: "P90D"
      time-stamping:
        tsa:
          signing-key: tsa
          signing-cert: tsa
"""


def prepare(directory: Path, *, port: int) -> Path:
    """Create keys (once) and the configuration for `port`; returns the configuration path."""
    keys = directory / "keys"
    keys.mkdir(parents=True, exist_ok=True)
    for name in ("root", "tsa"):
        if not (keys / f"{name}.key.pem").exists():
            _key_write(keys / f"{name}.key.pem")
    config = directory / "certomancer.yml"
    config.write_text(config_text(port=port))
    return config


def app_for(config: Path):
    """The Animator WSGI app, and the TSA root certificate as PEM."""
    from asn1crypto import pem
    from certomancer.integrations.animator import Animator, AnimatorArchStore
    from certomancer.registry import CertLabel, CertomancerConfig

    cfg = CertomancerConfig.from_file(str(config), key_search_dir=str(config.parent))
    arch = cfg.get_pki_arch(ARCH)
    root = arch.get_cert(CertLabel("root"))
    root_pem = pem.armor("CERTIFICATE", root.dump()).decode()
    app = Animator(AnimatorArchStore(cfg.pki_archs), with_web_ui=False, allow_time_override=False)
    return app, root_pem


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8790)
    parser.add_argument("--dir", default="var/pki")
    args = parser.parse_args(argv)
    directory = Path(args.dir).resolve()
    config = prepare(directory, port=args.port)
    app, root_pem = app_for(config)
    (directory / "tsa-root.pem").write_text(root_pem)
    from werkzeug.serving import run_simple

    sys.stdout.write(f"timestamp authority on http://127.0.0.1:{args.port}/{ARCH}/tsa/tsa" + "\n")
    sys.stdout.flush()
    run_simple("127.0.0.1", args.port, app, threaded=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
