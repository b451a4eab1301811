"""A local stand-in for BSrE's (BSSN) Esign Client Service, hash signing, for development and
the tests: the same conventions as the published API v2 (HTTP Basic auth with the client's
account, a signer named by NIK who unlocks their key with a passphrase, errors as
`{"error": ..., "status_code": ...}`), over a certomancer CA written by provider_pki.py.

    python scripts/bsre_local.py --port 8792 --dir var/bsre --client esign:rahasia \\
        --user 3171012345678901:passphrase-benar [--user NIK:PASSPHRASE[:expired|revoked]]

    POST /api/v2/user/check/status  {"nik"}  ->  {"status": "ISSUE" | "NOT_REGISTERED" |
                                                  "EXPIRED" | "REVOKE", "status_code", "message"}
    POST /api/v2/sign/hash  {"nik", "passphrase", "hashAlgorithm": "SHA256", "hash": [b64]}
        -> {"cms": [b64 DER CMS SignedData, detached, PAdES signed attributes], "time"}
        errors (HTTP 400): 2011 user not registered, 2031 wrong passphrase,
                           2021 certificate expired, 2022 certificate revoked
    anything else: the CA's CRL and certificates (certomancer's Animator)

The provider's root is written to `<dir>/root.pem` (add it to NASKAH_TRUST_ROOTS).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import datetime as dt
import json
import sys
from pathlib import Path

from provider_pki import animator, parse_user, prepare

ARCH = "naskah-bsre"
NOT_REGISTERED, EXPIRED, REVOKED, WRONG_PASSPHRASE = 2011, 2021, 2022, 2031


def build_app(config, pki, *, client: tuple[str, str], users):
    from asn1crypto import algos
    from certomancer.registry import CertLabel
    from pyhanko.sign import signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore
    from werkzeug.wrappers import Request, Response

    fallback = animator(config)
    root = pki.get_cert(CertLabel("root"))
    by_nik = {u.ident: u for u in users}

    def reply(status: int, body: dict) -> Response:
        return Response(json.dumps(body), status=status, mimetype="application/json")

    def refusal(user) -> Response | None:
        if user is None:
            return reply(400, {"error": "User tidak terdaftar", "status_code": NOT_REGISTERED})
        if user.state == "expired":
            return reply(400, {"error": "Sertifikat sudah kedaluwarsa", "status_code": EXPIRED})
        if user.state == "revoked":
            return reply(400, {"error": "Sertifikat telah dicabut", "status_code": REVOKED})
        return None

    def status(payload) -> Response:
        user = by_nik.get(str(payload.get("nik", "")))
        name = (
            "NOT_REGISTERED"
            if user is None
            else {"ok": "ISSUE", "expired": "EXPIRED", "revoked": "REVOKE"}[user.state]
        )
        return reply(200, {"status": name, "status_code": 1111, "message": name})

    def sign_hash(payload) -> Response:
        user = by_nik.get(str(payload.get("nik", "")))
        refused = refusal(user)
        if refused is not None:
            return refused
        if payload.get("passphrase") != user.secret:
            return reply(400, {"error": "Passphrase anda salah", "status_code": WRONG_PASSPHRASE})
        try:
            algorithm = algos.DigestAlgorithmId(str(payload["hashAlgorithm"]).lower()).native
            digests = [base64.b64decode(h, validate=True) for h in payload["hash"]]
        except (KeyError, ValueError, TypeError):
            return reply(400, {"error": "Permintaan tidak lengkap", "status_code": 2001})
        signer = signers.SimpleSigner(
            signing_cert=pki.get_cert(CertLabel(user.ident)),
            signing_key=pki.key_set.get_private_key(pki.get_cert_spec(user.ident).subject_key),
            cert_registry=SimpleCertificateStore.from_certs([root]),
        )

        async def all_signed():
            return [
                await signer.async_sign(digest, algorithm, use_pades=True) for digest in digests
            ]

        signed = asyncio.run(all_signed())
        return reply(
            200,
            {
                "cms": [base64.b64encode(c.dump()).decode() for c in signed],
                "time": dt.datetime.now(dt.UTC).isoformat(),
            },
        )

    routes = {"/api/v2/user/check/status": status, "/api/v2/sign/hash": sign_hash}

    def app(environ, start_response):
        request = Request(environ)
        handler = routes.get(request.path)
        if handler is None:
            return fallback(environ, start_response)
        auth = request.authorization
        if auth is None or (auth.username, auth.password) != client:
            response = reply(401, {"error": "Unauthorized", "status_code": 401})
        elif request.method != "POST":
            response = reply(405, {"error": "Method not allowed", "status_code": 405})
        else:
            try:
                payload = json.loads(request.get_data() or b"{}")
            except ValueError:
                payload = None
            if not isinstance(payload, dict):
                response = reply(400, {"error": "Bukan JSON", "status_code": 2001})
            else:
                response = handler(payload)
        return response(environ, start_response)

    return app


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8792)
    parser.add_argument("--dir", default="var/bsre")
    parser.add_argument("--client", default="esign:rahasia", help="USER:PASSWORD (Basic auth)")
    parser.add_argument("--user", action="append", default=[], type=parse_user)
    args = parser.parse_args(argv)
    directory = Path(args.dir).resolve()
    config, pki = prepare(
        directory, port=args.port, arch=ARCH, root_name="Naskah BSrE Test CA", users=args.user
    )
    client = tuple(args.client.split(":", 1))
    app = build_app(config, pki, client=client, users=args.user)
    from werkzeug.serving import run_simple

    sys.stdout.write(f"BSrE stand-in on http://127.0.0.1:{args.port}/api/v2" + "\n")
    sys.stdout.flush()
    run_simple("127.0.0.1", args.port, app, threaded=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
