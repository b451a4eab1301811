"""Start daphne (`python -m core.server`, daphne's own arguments) with a body limit at the
socket.

Daphne hands a request to the application only after its whole body arrived, and then queues
all of it in memory; nothing in its options limits a body. Here its request class refuses a
body over NASKAH_REQUEST_MAX_MB when the headers declare it, or as soon as a body without a
declared length (chunked) passes it: the 413 page goes out, the connection closes, and the
rest is never read or stored. Bodies within the limit are spooled to a temporary file by
Twisted (not parsed by it) and passed to Django, which spools uploads to disk.
"""

from __future__ import annotations

import os
import sys
from io import BytesIO

import django
from daphne import server as daphne_server
from daphne.cli import CommandLineInterface
from daphne.http_protocol import HTTPFactory, WebRequest

from core.bodylimit import body_limit, too_large_body


class LimitedWebRequest(WebRequest):
    refused = False
    received = 0

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Twisted would read a whole multipart body into memory and parse it into `args`,
        # which daphne never uses (Django parses the body, spooling files to disk): a 40 MB
        # upload took a web process 460 MB, a 200 MB one 2.4 GB.
        self._parsePOSTFormSubmission = False

    def gotLength(self, length):
        if length is not None and length > body_limit():
            self.content = BytesIO()  # never written: the connection closes now
            self._refuse()
            return
        super().gotLength(length)

    def handleContentChunk(self, data):
        if self.refused:
            return
        self.received += len(data)
        if self.received > body_limit():
            self._refuse()
            return
        super().handleContentChunk(data)

    def requestReceived(self, command, path, version):
        if self.refused:
            return
        super().requestReceived(command, path, version)

    def _refuse(self) -> None:
        self.refused = True
        # No "100 Continue" after the 413 (Twisted sends it once gotLength returns).
        self.requestHeaders.removeHeader(b"Expect")
        body = too_large_body()
        head = (
            "HTTP/1.1 413 Payload Too Large\r\n"
            "Content-Type: text/html; charset=utf-8\r\n"
            f"Content-Length: {len(body)}\r\n"
            "Connection: close\r\n\r\n"
        ).encode()
        transport = self.channel.transport
        transport.write(head + body)
        # Stops reading (what the client still sends is dropped) once the answer is written;
        # through the channel, which first lets go of its producer. A client that never reads
        # the answer is cut off after ABORT_SECONDS.
        self.channel.loseConnection()
        # Imported here, not at the top: importing the reactor before daphne has installed
        # asyncio's would install Twisted's default one.
        from twisted.internet import reactor

        reactor.callLater(ABORT_SECONDS, _abort, transport)


ABORT_SECONDS = 10


def _abort(transport) -> None:
    if getattr(transport, "connected", False):
        transport.abortConnection()


class LimitedHTTPFactory(HTTPFactory):
    def buildProtocol(self, addr):
        protocol = super().buildProtocol(addr)
        protocol.requestFactory = LimitedWebRequest
        return protocol


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "naskah.settings")
    django.setup(set_prefix=False)
    # daphne's Server builds its factory by this module-level name.
    daphne_server.HTTPFactory = LimitedHTTPFactory
    CommandLineInterface().run(sys.argv[1:] if argv is None else argv)


if __name__ == "__main__":
    main()
