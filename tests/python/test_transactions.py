# test_transactions.py: optimistic writes, completion, failure and retries
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import pytest
from gi.repository import GLib, Syncobj

from conftest import LONG_ENOUGH_MS, ItemsChanged, assert_syncobj_error, wait_for

State = Syncobj.TransactionState


def test_optimistic_insert_is_visible_at_once(todos):
    collection, control = todos

    transaction = collection.insert({'id': '3', 'title': 'Water plants'})

    assert transaction.get_state() == State.PENDING
    assert collection['3']['title'] == 'Water plants'
    assert collection['3'].props.pending is True
    assert len(collection) == 3


def test_optimistic_update_is_visible_at_once(todos):
    collection, control = todos

    collection.update('1', {'done': True})

    assert dict(collection['1']) == {'id': '1', 'title': 'Buy milk', 'done': True}
    assert collection['1'].synced_dict()['done'] is False


def test_optimistic_delete_is_visible_at_once(todos):
    collection, control = todos

    collection.delete('1')

    assert '1' not in collection
    assert len(collection) == 1
    with pytest.raises(KeyError):
        collection['1']


def test_persist_completes_the_transaction(todos):
    collection, control = todos
    transaction = collection.insert({'id': '3', 'title': 'Water plants'})

    control.advance(1000)

    assert transaction.get_state() == State.COMPLETED
    assert transaction.get_error() is None
    assert control.get_persist_count() == 1
    assert collection['3'].props.pending is False
    assert collection['3'].synced_dict() == {'id': '3', 'title': 'Water plants'}


def test_wait_async_resolves_on_completed(todos):
    collection, control = todos
    transaction = collection.insert({'id': '3', 'title': 'Water plants'})
    results = []

    transaction.wait_async(None, lambda t, result: results.append(t.wait_finish(result)))
    control.advance(1000)
    wait_for(lambda: results)

    assert results == [True]


def test_non_retriable_failure_rolls_back_with_the_error(todos):
    collection, control = todos
    changes = ItemsChanged(collection)
    control.fail_next_persist_non_retriable()

    transaction = collection.insert({'id': '3', 'title': 'Doomed'})
    assert '3' in collection
    control.advance(1000)

    assert transaction.get_state() == State.FAILED
    assert_syncobj_error(transaction.get_error(), Syncobj.Error.NON_RETRIABLE)
    assert '3' not in collection
    assert len(collection) == 2
    assert changes.take() == [(2, 0, 1), (2, 1, 0)]
    assert len(transaction.get_attempts()) == 1


def test_wait_async_raises_the_failure_as_glib_error(todos):
    collection, control = todos
    control.fail_next_persist_non_retriable()
    transaction = collection.update('1', {'title': 'Doomed'})
    errors = []

    def on_waited(t, result):
        try:
            t.wait_finish(result)
        except GLib.Error as e:
            errors.append(e)

    transaction.wait_async(None, on_waited)
    control.advance(1000)
    wait_for(lambda: errors)

    assert_syncobj_error(errors[0], Syncobj.Error.NON_RETRIABLE)
    assert collection['1']['title'] == 'Buy milk'


def test_retriable_failures_are_retried_on_the_virtual_clock(todos):
    collection, control = todos
    control.fail_next_persists(2)

    transaction = collection.insert({'id': '3', 'title': 'Eventually'})
    control.advance(0)
    wait_for(lambda: len(transaction.get_attempts()) >= 1, control)

    # The first attempt failed and a retry waits on the virtual clock.
    assert transaction.get_state() == State.PERSISTING
    first = transaction.get_attempts()[0]
    assert_syncobj_error(first.get_error(), Syncobj.Error.FAILED)
    assert first.get_retry_scheduled_for() is not None
    assert '3' in collection

    control.advance(LONG_ENOUGH_MS)

    assert transaction.get_state() == State.COMPLETED
    assert len(transaction.get_attempts()) == 3
    assert control.get_persist_count() == 3
    assert collection['3']['title'] == 'Eventually'


def test_classify_function_in_python_decides_what_is_retried(todos):
    collection, control = todos
    policy = Syncobj.RetryPolicy.new()
    policy.props.jitter = 0.0
    seen = []

    def classify(error):
        seen.append(error.message)
        return 'quota' not in error.message

    policy.set_classify_func(classify)
    collection.props.retry_policy = policy
    messages = iter(['Server busy', 'quota exceeded'])
    collection.set_mutator(Syncobj.FuncMutator.new(lambda job: job.fail_message(next(messages))))

    transaction = collection.update('1', {'title': 'Oat milk'})
    control.advance(LONG_ENOUGH_MS)

    assert seen == ['Server busy', 'quota exceeded']
    assert transaction.get_state() == State.FAILED
    assert len(transaction.get_attempts()) == 2
    assert collection['1']['title'] == 'Buy milk'


def test_classify_function_of_the_wrong_arity_is_refused_when_set():
    policy = Syncobj.RetryPolicy.new()
    with pytest.raises(TypeError, match=r'cannot be called as func\(error\)'):
        policy.set_classify_func(lambda policy, error: True)
    with pytest.raises(TypeError, match=r'cannot be called as func\(error, user_data0\)'):
        policy.set_classify_func(lambda error: True, 'data')
    policy.set_classify_func(lambda error, data: data == 'retry', 'retry')
    policy.set_classify_func(None)


def test_classify_function_that_raises_retries_and_says_why(todos, capfd):
    collection, control = todos
    policy = Syncobj.RetryPolicy.new()

    def classify(error):
        raise KeyError(error.message)

    policy.set_classify_func(classify)
    error = GLib.Error.new_literal(Syncobj.error_quark(), 'Server busy', Syncobj.Error.FAILED)
    # A bug in the function never throws the user's change away.
    assert policy.is_retriable(error) is True
    assert "KeyError: 'Server busy'" in capfd.readouterr().err


def test_ordered_dependent_transaction_fails_with_the_first(todos):
    collection, control = todos
    control.fail_next_persist_non_retriable()

    first = collection.insert({'id': '3', 'title': 'New'})
    dependent = collection.update('3', {'done': True})
    unrelated = collection.update('2', {'title': 'Walk the cat'})
    assert dependent.get_state() == State.QUEUED
    assert dependent.get_queued_behind() == first.get_id()
    assert collection['3']['done'] is True

    control.advance(LONG_ENOUGH_MS)

    assert first.get_state() == State.FAILED
    assert dependent.get_state() == State.FAILED
    assert_syncobj_error(dependent.get_error(), Syncobj.Error.DEPENDENCY_FAILED)
    assert dependent.get_error_transaction_id() == first.get_id()
    assert '3' not in collection
    assert unrelated.get_state() == State.COMPLETED
    assert collection['2']['title'] == 'Walk the cat'


def test_items_changed_on_insert_update_delete(todos):
    collection, control = todos
    changes = ItemsChanged(collection)

    collection.insert({'id': '3', 'title': 'Third'})
    collection.update('1', {'done': True})
    collection.delete('2')

    assert changes.take() == [(2, 0, 1), (0, 1, 1), (1, 1, 0)]
    assert [r.get_key() for r in collection] == ['1', '3']


def test_notify_value_on_the_record(todos):
    collection, control = todos
    record = collection['1']
    seen = []
    record.connect('notify::value', lambda r, pspec: seen.append(r['title']))

    collection.update('1', {'title': 'Buy bread'})
    control.advance(1000)

    assert seen[0] == 'Buy bread'
    assert record['title'] == 'Buy bread'
    assert record.props.pending is False
