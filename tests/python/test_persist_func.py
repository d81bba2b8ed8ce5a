# test_persist_func.py: persist functions written in Python
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import json
import threading

import pytest

from gi.repository import GLib, Syncobj

from conftest import LONG_ENOUGH_MS, assert_syncobj_error, echo_to_server, wait_for

State = Syncobj.TransactionState


def with_persist_func(collection, func, *user_data):
    collection.set_mutator(Syncobj.FuncMutator.new(func, *user_data))


def test_persist_function_completes_later_from_a_timeout(todos):
    collection, control = todos
    received = []

    def persist(job):
        received.append(job.get_changes())

        def answer():
            echo_to_server(control, job)
            job.complete()
            return GLib.SOURCE_REMOVE

        GLib.timeout_add(1, answer)

    with_persist_func(collection, persist)
    transaction = collection.insert({'id': '3', 'title': 'Water plants'})
    wait_for(transaction.is_finished, control)

    assert transaction.get_state() == State.COMPLETED
    assert collection['3'].synced_dict() == {'id': '3', 'title': 'Water plants'}
    assert len(received) == 1
    assert received[0][0]['type'] == 'insert'
    assert received[0][0]['key'] == '3'
    assert received[0][0]['changes'] == {'id': '3', 'title': 'Water plants'}


def test_persist_function_completes_from_an_idle(todos):
    collection, control = todos

    def persist(job, note):
        assert note == 'user data'
        echo_to_server(control, job)
        GLib.idle_add(lambda: job.complete() or GLib.SOURCE_REMOVE)

    with_persist_func(collection, persist, 'user data')
    transaction = collection.update('1', {'done': True})
    wait_for(transaction.is_finished, control)

    assert transaction.get_state() == State.COMPLETED
    assert collection['1']['done'] is True


def test_persist_function_completes_from_another_thread(todos):
    collection, control = todos
    threads = []

    def persist(job):
        echo_to_server(control, job)
        thread = threading.Thread(target=job.complete)
        threads.append(thread)
        thread.start()

    with_persist_func(collection, persist)
    transaction = collection.delete('2')
    wait_for(transaction.is_finished, control)
    for thread in threads:
        thread.join()

    assert transaction.get_state() == State.COMPLETED
    assert '2' not in collection


def test_persist_function_non_retriable_failure_rolls_back(todos):
    collection, control = todos

    def persist(job):
        GLib.idle_add(lambda: job.fail_non_retriable('Title is too short') or GLib.SOURCE_REMOVE)

    with_persist_func(collection, persist)
    transaction = collection.update('1', {'title': 'x'})
    assert collection['1']['title'] == 'x'
    wait_for(transaction.is_finished, control)

    assert transaction.get_state() == State.FAILED
    assert_syncobj_error(transaction.get_error(), Syncobj.Error.NON_RETRIABLE)
    assert transaction.get_error().message == 'Title is too short'
    assert collection['1']['title'] == 'Buy milk'


def test_persist_function_marks_applied_changes_which_stay(todos):
    collection, control = todos

    def persist(job):
        # One request per change: the first is applied, the second refused.
        first, second = job.get_transaction().get_mutations()
        control.emit_update(first.modified)
        job.mark_applied(first)
        job.fail_non_retriable('"Walk" is too short')

    with_persist_func(collection, persist)
    transaction = collection.begin()
    transaction.update(collection, '1', {'done': True})
    transaction.update(collection, '2', {'title': 'Walk'})
    transaction.commit()
    wait_for(transaction.is_finished, control)

    assert transaction.get_state() == State.FAILED
    assert_syncobj_error(transaction.get_error(), Syncobj.Error.NON_RETRIABLE)
    assert transaction.get_error().message == (
        '"Walk" is too short (the server applied the changes to \u201c1\u201d, which stay; '
        'the changes to \u201c2\u201d were rolled back)')
    first, second = transaction.get_mutations()
    assert first.get_applied() and not second.get_applied()
    assert first.get_state() == Syncobj.MutationState.SYNCED
    assert collection['1'].to_dict() == {'id': '1', 'title': 'Buy milk', 'done': True}
    assert collection['1'].synced_dict() == collection['1'].to_dict()
    assert collection['2']['title'] == 'Walk the dog'


def test_persist_function_retries_on_the_virtual_clock(todos):
    collection, control = todos
    attempts = []

    def persist(job):
        attempts.append(job.get_attempt())
        if job.get_attempt() < 3:
            job.fail_message('Server busy')
        else:
            echo_to_server(control, job)
            job.complete()

    with_persist_func(collection, persist)
    transaction = collection.insert({'id': '3', 'title': 'Eventually'})
    wait_for(lambda: attempts == [1], control)

    assert transaction.get_state() == State.PERSISTING
    assert_syncobj_error(transaction.get_attempts()[0].get_error(), Syncobj.Error.FAILED)

    control.advance(LONG_ENOUGH_MS)
    wait_for(transaction.is_finished, control)

    assert attempts == [1, 2, 3]
    assert transaction.get_state() == State.COMPLETED
    assert collection['3']['title'] == 'Eventually'


def test_persist_function_fails_with_its_own_glib_error(todos):
    collection, control = todos
    quark = GLib.quark_from_string('todo-api-error')

    def persist(job):
        job.fail(GLib.Error.new_literal(quark, 'Teapot', 418))

    with_persist_func(collection, persist)
    policy = collection.get_retry_policy()
    policy.props.max_attempts = 1
    transaction = collection.insert({'id': '3', 'title': 'Tea'})
    wait_for(transaction.is_finished, control)

    assert transaction.get_state() == State.FAILED
    assert transaction.get_error().matches(quark, 418)
    assert '3' not in collection


def test_exception_in_persist_function_fails_the_attempt(todos, capfd):
    collection, control = todos
    calls = []

    def persist(job):
        calls.append(job.get_attempt())
        if len(calls) == 1:
            raise ValueError('bug in the persist function')
        echo_to_server(control, job)
        job.complete()

    with_persist_func(collection, persist)
    transaction = collection.insert({'id': '3', 'title': 'Survives'})
    wait_for(lambda: calls == [1], control)

    first = transaction.get_attempts()[0]
    assert_syncobj_error(first.get_error(), Syncobj.Error.FAILED)
    assert 'bug in the persist function' in first.get_error().message
    assert 'ValueError' in capfd.readouterr().err

    control.advance(LONG_ENOUGH_MS)
    wait_for(transaction.is_finished, control)

    assert transaction.get_state() == State.COMPLETED
    assert collection['3']['title'] == 'Survives'


def test_a_persist_function_that_cannot_run_is_refused_when_set():
    async def persist(job):
        job.complete()

    # Nothing would await it: every attempt would end as a dropped job.
    with pytest.raises(TypeError, match=r'persist is a coroutine function \(async def\)'):
        Syncobj.FuncMutator.new(persist)
    with pytest.raises(TypeError, match=r'cannot be called as func\(job\)'):
        Syncobj.FuncMutator.new(lambda job, collection: job.complete())
    with pytest.raises(TypeError, match=r'cannot be called as func\(job, user_data0\)'):
        Syncobj.FuncMutator.new(lambda job: job.complete(), 'data')
    mutator = Syncobj.FuncMutator.new(lambda job, data: job.complete(), 'data')
    with pytest.raises(TypeError, match=r'coroutine function'):
        mutator.set_await_sync_func(persist)


def test_a_persist_function_returning_a_coroutine_fails_the_attempt_saying_so(todos, capfd):
    collection, control = todos

    async def send(job):
        job.complete()

    with_persist_func(collection, lambda job: send(job))
    transaction = collection.update('1', {'done': True})
    wait_for(lambda: len(transaction.get_attempts()) == 1 and
             transaction.get_attempts()[0].get_error() is not None, control)

    error = transaction.get_attempts()[0].get_error()
    assert_syncobj_error(error, Syncobj.Error.FAILED)
    assert 'returned coroutine, which nothing awaits' in error.message
    assert 'never awaited' not in capfd.readouterr().err


def test_fail_takes_any_exception_as_a_retriable_failure(todos):
    collection, control = todos
    jobs = []
    with_persist_func(collection, jobs.append)

    transaction = collection.update('1', {'done': True})
    wait_for(lambda: jobs, control)
    try:
        raise ConnectionResetError(104, 'Connection reset by peer')
    except Exception as e:                       # as a persist function would
        jobs[0].fail(e)
    wait_for(lambda: transaction.get_attempts()[0].get_error() is not None, control)

    error = transaction.get_attempts()[0].get_error()
    assert_syncobj_error(error, Syncobj.Error.FAILED)
    assert error.message == 'ConnectionResetError: [Errno 104] Connection reset by peer'
    control.advance(LONG_ENOUGH_MS)
    wait_for(lambda: len(jobs) == 2, control)
    assert transaction.get_state() == State.PERSISTING        # retried


def test_exception_raising_glib_error_fails_with_it(todos):
    collection, control = todos

    def persist(job):
        raise GLib.Error.new_literal(Syncobj.error_quark(), 'Rejected', Syncobj.Error.NON_RETRIABLE)

    with_persist_func(collection, persist)
    transaction = collection.insert({'id': '3', 'title': 'Rejected'})
    wait_for(transaction.is_finished, control)

    assert transaction.get_state() == State.FAILED
    assert_syncobj_error(transaction.get_error(), Syncobj.Error.NON_RETRIABLE)
    assert '3' not in collection


def test_await_echo_completes_only_when_the_sync_delivers(todos):
    collection, control = todos
    mutator = Syncobj.FuncMutator.new(lambda job: job.complete())
    mutator.props.await_echo = True
    collection.set_mutator(mutator)

    transaction = collection.update('1', {'title': 'Buy oat milk'})
    wait_for(lambda: transaction.get_state() == State.PERSISTED_AWAITING_SYNC, control)
    assert collection['1']['title'] == 'Buy oat milk'
    assert collection['1'].props.pending is True

    control.emit_update({'id': '1', 'title': 'Buy oat milk', 'done': False})
    wait_for(transaction.is_finished, control)

    assert transaction.get_state() == State.COMPLETED
    assert collection['1']['title'] == 'Buy oat milk'
    assert collection['1'].props.pending is False


def test_await_sync_function_in_python_finishes_the_wait(todos):
    collection, control = todos
    waits = []
    mutator = Syncobj.FuncMutator.new(lambda job: job.complete())

    def await_sync(job, tag):
        waits.append((job.get_sync(), tag))
        echo_to_server(control, job)
        GLib.idle_add(lambda: job.complete() or GLib.SOURCE_REMOVE)

    mutator.set_await_sync_func(await_sync, 'tag')
    collection.set_mutator(mutator)
    transaction = collection.insert({'id': '3', 'title': 'Echoed'})
    wait_for(transaction.is_finished, control)

    assert waits == [(control.get_sync(), 'tag')]
    assert transaction.get_state() == State.COMPLETED
    assert collection['3'].synced_value == {'id': '3', 'title': 'Echoed'}


def test_persist_function_walks_mutations_as_json_text(todos):
    collection, control = todos
    seen = []

    def persist(job):
        for i in range(job.get_n_mutations()):
            mutation = job.get_mutation(i)
            seen.append((mutation.get_key(), json.loads(mutation.get_changes_json())))
        assert job.get_mutation(job.get_n_mutations()) is None
        echo_to_server(control, job)
        job.complete()

    with_persist_func(collection, persist)
    transaction = collection.begin()
    transaction.update(collection, '1', {'done': True, 'title': 'Ünïcode "quoted"'})
    transaction.insert(collection, {'id': '3', 'tags': [1, {'x': None}]})
    transaction.commit()
    wait_for(transaction.is_finished, control)

    assert transaction.get_state() == State.COMPLETED
    assert seen == [('1', {'done': True, 'title': 'Ünïcode "quoted"'}),
                    ('3', {'id': '3', 'tags': [1, {'x': None}]})]
