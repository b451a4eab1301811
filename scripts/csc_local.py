"""A local Cloud Signature Consortium (CSC API v1.0.4) signing service for development and the
tests: certomancer-csc-dummy's server over a certomancer CA written by provider_pki.py, on
loopback.

    python scripts/csc_local.py --port 8791 --dir var/csc \\
        --token dev-token --user 197001011995031001:123456 [--user ID:PIN[:expired|revoked]]

Credential ids are `naskah-csc/<ID>` (set NASKAH_CSC_CREDENTIAL_ID=naskah-csc/{nip}). The
provider's root is written to `<dir>/root.pem` (add it to NASKAH_TRUST_ROOTS).

certomancer-csc-dummy itself authenticates nothing and accepts any PIN; this wrapper adds what a
real service checks before signing: the bearer token on every call (401 `invalid_token`) and the
credential's PIN in `credentials/authorize` (400 `invalid_request` "Invalid PIN"). It also
serves the CA's CRL (`/naskah-csc/crls/root/latest.crl`).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from provider_pki import animator, parse_user, prepare

ARCH = "naskah-csc"


def build_app(config, *, token: str, pins: dict[str, str]):
    from aiohttp import web
    from csc_dummy.csc_dummy_server import CSCWithCertomancer, DummyServiceParams
    from werkzeug.test import EnvironBuilder, run_wsgi_app

    csc = CSCWithCertomancer(config, service_params=DummyServiceParams())
    csc.register_routes()
    wsgi = animator(config)

    def error(status: int, code: str, description: str):
        return web.json_response({"error": code, "error_description": description}, status=status)

    @web.middleware
    async def guard(request, handler):
        if not request.path.startswith("/csc/"):
            return await handler(request)
        if token and request.headers.get("Authorization") != f"Bearer {token}":
            return error(401, "invalid_token", "The access token is not valid")
        if request.path.endswith("/credentials/authorize"):
            body = await request.json()
            label = str(body.get("credentialID", "")).removeprefix(f"{ARCH}/")
            if label in pins and body.get("PIN") != pins[label]:
                return error(400, "invalid_request", "Invalid PIN")
        return await handler(request)

    async def revocation(request):
        environ = EnvironBuilder(
            path=request.path,
            method=request.method,
            query_string=request.query_string,
            headers=dict(request.headers),
            data=await request.read(),
        ).get_environ()
        body, status, headers = run_wsgi_app(wsgi, environ, buffered=True)
        return web.Response(
            body=b"".join(body), status=int(status.split()[0]), headers=dict(headers)
        )

    csc.app.middlewares.append(guard)
    csc.app.router.add_route("*", "/{tail:.*}", revocation)
    return csc.app


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8791)
    parser.add_argument("--dir", default="var/csc")
    parser.add_argument("--token", default="")
    parser.add_argument("--user", action="append", default=[], type=parse_user)
    args = parser.parse_args(argv)
    directory = Path(args.dir).resolve()
    config, _pki = prepare(
        directory, port=args.port, arch=ARCH, root_name="Naskah CSC Test CA", users=args.user
    )
    app = build_app(config, token=args.token, pins={u.ident: u.secret for u in args.user})
    from aiohttp import web

    sys.stdout.write(f"CSC service on http://127.0.0.1:{args.port}/csc/v1" + "\n")
    sys.stdout.flush()
    web.run_app(app, host="127.0.0.1", port=args.port, print=None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
