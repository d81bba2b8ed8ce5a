# test_http_conflicts.py: the HTTP mutator's conflicts with a server of
# one's own, from Python
#
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# A libsoup server on the loopback keeps versioned records and honours
# If-Match, but answers a stale write 409 with an error of its own, not
# the record: the mutator reads the record with a GET of its URI.

import json

import gi
import pytest

from gi.repository import Syncobj

from conftest import wait_for

try:
    gi.require_version('Soup', '3.0')
    from gi.repository import Soup
except (ValueError, ImportError):
    pytest.skip('libsoup 3 introspection data not installed', allow_module_level=True)

State = Syncobj.TransactionState


class Server:
    """Records with a "version" and an ETag; a stale If-Match is a 409."""

    def __init__(self, records):
        self.records = {r['id']: dict(r) for r in records}
        self.requests = []
        self.server = Soup.Server()
        self.server.add_handler('/items', self.handle)
        self.server.listen_local(0, Soup.ServerListenOptions.IPV4_ONLY)
        self.url = self.server.get_uris()[0].to_string() + 'items'

    def answer(self, message, status, body):
        message.set_status(status, None)
        if isinstance(body, dict) and 'version' in body:
            message.get_response_headers().replace('ETag', '"%d"' % body['version'])
        message.set_response('application/json', Soup.MemoryUse.COPY, json.dumps(body).encode())

    def handle(self, server, message, path, query):
        method = message.get_method()
        key = path.rsplit('/', 1)[1]
        if_match = message.get_request_headers().get_one('If-Match')
        self.requests.append((method, key, if_match))
        record = self.records.get(key)
        if method == 'GET':
            if record is None:
                self.answer(message, 404, {'error': 'no such record'})
            else:
                self.answer(message, 200, record)
            return
        if record is None:
            self.answer(message, 404, {'error': 'no such record'})
        elif if_match is not None and if_match != '"%d"' % record['version']:
            self.answer(message, 409, {'error': 'edit conflict'})
        else:
            changes = json.loads(message.get_request_body().flatten().get_data())
            record.update(changes, version=record['version'] + 1)
            self.answer(message, 200, record)

    def close(self):
        self.server.disconnect()


@pytest.fixture
def server():
    server = Server([{'id': 'a', 'likes': 5, 'title': 'theirs', 'version': 2}])
    yield server
    server.close()


def test_409_without_the_record_gets_it_and_rebases(server):
    # The client synced version 1; someone else wrote version 2.
    collection, control = Syncobj.test_collection_new(
        [{'id': 'a', 'likes': 0, 'title': 'mine', 'version': 1}])
    collection.set_mutator(Syncobj.HttpMutator.new(server.url))
    collection.props.version_member = 'version'
    seen = []
    collection.connect('conflict', lambda c, key, local, remote:
                       seen.append(Syncobj.to_python(remote)))

    transaction = collection.update('a', {'title': 'ours'})
    wait_for(transaction.is_finished, control, timeout_s=10)

    assert transaction.get_state() == State.COMPLETED
    assert server.requests == [('PATCH', 'a', '"1"'), ('GET', 'a', None), ('PATCH', 'a', '"2"')]
    assert seen == [{'id': 'a', 'likes': 5, 'title': 'theirs', 'version': 2}]
    assert server.records['a'] == {'id': 'a', 'likes': 5, 'title': 'ours', 'version': 3}


def test_etag_is_the_version_without_a_version_member(server):
    # No version member: the ETag of the server's last answer for the
    # record is sent as If-Match.
    collection, control = Syncobj.test_collection_new(
        [{'id': 'a', 'likes': 5, 'title': 'theirs', 'version': 2}])
    collection.set_mutator(Syncobj.HttpMutator.new(server.url))

    first = collection.update('a', {'title': 'ours'})
    wait_for(first.is_finished, control, timeout_s=10)
    assert first.get_state() == State.COMPLETED
    server.records['a'].update(likes=6, version=4)     # someone else

    second = collection.update('a', {'done': True})
    wait_for(second.is_finished, control, timeout_s=10)

    assert second.get_state() == State.COMPLETED
    assert server.requests == [('PATCH', 'a', None), ('PATCH', 'a', '"3"'), ('GET', 'a', None),
                               ('PATCH', 'a', '"4"')]
    assert server.records['a'] == {'id': 'a', 'likes': 6, 'title': 'ours', 'done': True, 'version': 5}
