"""Fixtures of the intake tests: a real IMAP server (dovecot) per test worker."""

from __future__ import annotations

import pytest
from imapclient import IMAPClient

from ..imap import Dovecot, dovecot_start


@pytest.fixture(scope="session")
def dovecot():
    """One private dovecot per test process (each xdist worker has its own port)."""
    server = dovecot_start()
    yield server
    server.stop()


def imap_login(server: Dovecot) -> IMAPClient:
    client = IMAPClient(server.host, server.port, ssl=False, timeout=10)
    client.login(server.user, server.password)
    return client


@pytest.fixture
def imap(dovecot):
    """A client of the test user's mailbox, emptied: only an empty INBOX is left."""
    client = imap_login(dovecot)
    for _flags, _sep, name in client.list_folders():
        if name != "INBOX":
            client.delete_folder(name)
    client.select_folder("INBOX")
    if uids := client.search("ALL"):
        client.delete_messages(uids)
        client.expunge()
    client.unselect_folder()
    yield client
    client.logout()
