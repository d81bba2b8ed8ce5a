# test_conflicts.py: conflicts reported by a Python persist function, the
# ::conflict signal and conflict functions written in Python
#
# SPDX-License-Identifier: LGPL-2.1-or-later

from gi.repository import Json, Syncobj

from conftest import assert_syncobj_error, doc_snippets, wait_for

State = Syncobj.TransactionState


class Server:
    """One record whose version the persist function checks, as a server
    honouring If-Match does; someone else already wrote version 2."""

    def __init__(self):
        self.record = {'id': 'a', 'likes': 5, 'title': 'theirs', 'version': 2}
        self.sent = []

    def persist(self, job):
        change = job.get_changes()[0]
        self.sent.append(change)
        if change['original']['version'] != self.record['version']:
            job.conflict(change['key'], self.record)
            return
        self.record = dict(change['modified'], version=self.record['version'] + 1)
        job.complete()


def collection_with(server):
    collection, control = Syncobj.test_collection_new(
        [{'id': 'a', 'likes': 0, 'title': 'mine', 'version': 1}])
    collection.set_mutator(Syncobj.FuncMutator.new(server.persist))
    collection.props.version_member = 'version'
    return collection, control


def test_conflict_signal_and_rebase():
    server = Server()
    collection, control = collection_with(server)
    seen = []
    collection.connect('conflict', lambda c, key, local, remote:
                       seen.append((key, Syncobj.to_python(local), Syncobj.to_python(remote))))

    transaction = collection.update('a', {'title': 'ours'})
    wait_for(transaction.is_finished, control)

    assert transaction.get_state() == State.COMPLETED
    assert seen == [('a', {'id': 'a', 'likes': 0, 'title': 'ours', 'version': 1},
                     {'id': 'a', 'likes': 5, 'title': 'theirs', 'version': 2})]
    assert collection.props.conflict_policy == Syncobj.ConflictPolicy.REBASE
    # The title went over version 2; the other writer's likes stay.
    assert server.record == {'id': 'a', 'likes': 5, 'title': 'ours', 'version': 3}
    error = transaction.get_attempts().get_item(0).get_error()
    assert_syncobj_error(error, Syncobj.Error.CONFLICT)


def test_conflict_function_in_python():
    server = Server()
    collection, control = collection_with(server)
    calls = []

    def resolve(collection_, key, local, remote, tag):
        calls.append((key, local['likes'], remote['likes'], tag))
        return {'likes': local['likes'] + remote['likes'], 'title': 'merged'}

    collection.set_conflict_func(resolve, 'tag')
    assert collection.props.conflict_policy == Syncobj.ConflictPolicy.CUSTOM
    transaction = collection.update('a', {'likes': 1})
    wait_for(transaction.is_finished, control)

    assert transaction.get_state() == State.COMPLETED
    assert calls == [('a', 1, 5, 'tag')]
    assert server.record == {'id': 'a', 'likes': 6, 'title': 'merged', 'version': 3}


def test_conflict_function_returning_none_gives_the_change_up():
    server = Server()
    collection, control = collection_with(server)
    collection.set_conflict_func(lambda c, key, local, remote: None)

    transaction = collection.update('a', {'likes': 1})
    wait_for(transaction.is_finished, control)

    assert transaction.get_state() == State.FAILED
    assert_syncobj_error(transaction.get_error(), Syncobj.Error.CONFLICT)
    assert collection['a'].to_dict() == server.record


def test_conflict_function_may_return_a_json_object():
    server = Server()
    collection, control = collection_with(server)
    collection.set_conflict_func(
        lambda c, key, local, remote: Json.from_string('{"likes": 42}').get_object())

    transaction = collection.update('a', {'likes': 1})
    wait_for(transaction.is_finished, control)

    assert transaction.get_state() == State.COMPLETED
    assert server.record == {'id': 'a', 'likes': 42, 'version': 3}


def test_the_conflict_function_of_the_guide_runs_as_written():
    # conflicts.md's Python sample called server.get_int_member() on what
    # is a dict from Python: the function raised, and the change was given
    # up as if it had returned None.
    (snippet,) = doc_snippets('conflicts.md')
    server = Server()
    collection, control = collection_with(server)

    exec(snippet, {'collection': collection})
    transaction = collection.update('a', {'likes': 1})
    wait_for(transaction.is_finished, control)

    assert transaction.get_state() == State.COMPLETED
    assert server.record == {'id': 'a', 'likes': 6, 'version': 3}
    # The sample's globals hold the collection, which holds the sample's
    # function: a cycle through C that Python cannot collect.
    collection.set_conflict_func(None)


def test_conflict_function_that_raises_rebases_the_change(capfd):
    server = Server()
    collection, control = collection_with(server)

    def broken(collection_, key, local, remote):
        return local['no such member']

    collection.set_conflict_func(broken)
    transaction = collection.update('a', {'title': 'ours'})
    wait_for(transaction.is_finished, control)

    # Not given up: the title went over version 2, as REBASE does.
    assert transaction.get_state() == State.COMPLETED
    assert server.record == {'id': 'a', 'likes': 5, 'title': 'ours', 'version': 3}
    assert 'KeyError' in capfd.readouterr().err


def test_conflict_function_may_leave_a_conflict_to_a_policy():
    server = Server()
    collection, control = collection_with(server)

    def server_wins_on_titles(collection_, key, local, remote):
        collection_.resolve_conflict_with(Syncobj.ConflictPolicy.SERVER_WINS)
        return {'title': 'ignored'}

    collection.set_conflict_func(server_wins_on_titles)
    transaction = collection.update('a', {'title': 'ours'})
    wait_for(transaction.is_finished, control)

    assert transaction.get_state() == State.FAILED
    assert_syncobj_error(transaction.get_error(), Syncobj.Error.CONFLICT)
    assert server.record == {'id': 'a', 'likes': 5, 'title': 'theirs', 'version': 2}
    assert collection['a'].to_dict() == server.record
