# test_sync.py: the sync side driven from Python
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import json

import pytest
from gi.repository import GLib, Syncobj

from conftest import assert_syncobj_error, wait_for

Type = Syncobj.MutationType


def test_app_drives_a_plain_sync_with_dicts():
    sync = Syncobj.Sync.new('python-plain-sync')
    collection = Syncobj.Collection.new('python-plain', sync, None)
    assert collection.props.ready is False

    sync.begin()
    sync.write(Type.INSERT, {'id': 'a', 'title': 'From the server'})
    sync.write(Type.INSERT, {'id': 'b', 'title': 'Also'})
    sync.commit()
    sync.mark_ready()

    assert collection.props.ready is True
    assert [dict(r) for r in collection] == [{'id': 'a', 'title': 'From the server'},
                                             {'id': 'b', 'title': 'Also'}]

    sync.begin()
    sync.write(Type.UPDATE, {'id': 'a', 'title': 'Changed'})
    sync.write(Type.DELETE, {'id': 'b'})
    sync.commit()

    assert collection.keys() == ['a']
    assert collection['a']['title'] == 'Changed'


def test_sync_write_of_a_non_record_is_an_error():
    sync = Syncobj.Sync.new('python-bad-sync')
    Syncobj.Collection.new('python-bad', sync, None)
    sync.begin()

    with pytest.raises(TypeError):
        sync.write(Type.INSERT, 'not a record')
    with pytest.raises(GLib.Error) as info:
        sync.write(Type.INSERT, {'title': 'no key'})
    assert_syncobj_error(info.value, Syncobj.Error.INVALID_RECORD)


class StaticSync(Syncobj.Sync):
    """A sync subclass that loads its records when the collection starts."""

    def __init__(self, rows, **kwargs):
        super().__init__(**kwargs)
        self.rows = rows
        self.started = 0

    def do_start(self):
        self.started += 1
        self.begin()
        for row in self.rows:
            self.write(Type.INSERT, row)
        self.commit()
        self.mark_ready()


def test_test_harness_takes_its_initial_data_as_json_text():
    collection, control = Syncobj.test_collection_new_from_json(
        '[{"id": "a", "n": 1}, {"id": "b", "n": 2}]', Syncobj.Strategy.ORDERED)
    assert [record.get_key() for record in collection] == ['a', 'b']
    assert collection['b'].to_dict() == {'id': 'b', 'n': 2}

    with pytest.raises(GLib.Error) as raised:
        Syncobj.test_collection_new_from_json('[{"title": "no key"}]', Syncobj.Strategy.ORDERED)
    assert_syncobj_error(raised.value, Syncobj.Error.PARSE)


def test_sync_subclass_in_python_starts_with_the_collection():
    sync = StaticSync([{'id': 'x', 'n': 1}], id='python-static-sync')
    collection = Syncobj.Collection.new('python-static', sync, None)

    assert sync.started == 1
    assert collection.props.ready is True
    assert collection['x']['n'] == 1
    assert collection.get_sync() is sync


def test_wait_for_keys_finishes_when_the_sync_delivers_them(todos):
    collection, control = todos
    results = []

    control.get_sync().wait_for_keys_async(
        ['7', '8'], 5000, None, lambda sync, result: results.append(sync.wait_for_keys_finish(result)))
    control.emit_update({'id': '7'})
    wait_for(lambda: True, control)
    assert results == []
    control.emit_update({'id': '8'})
    wait_for(lambda: results, control)

    assert results == [True]


def test_wait_for_keys_takes_the_integer_ids_records_hold(todos):
    collection, control = todos
    results = []

    control.get_sync().wait_for_keys_async(
        [7, '8'], 5000, None, lambda sync, result: results.append(sync.wait_for_keys_finish(result)))
    control.emit_update({'id': 7})
    control.emit_update({'id': 8})
    wait_for(lambda: results, control)

    assert results == [True]


def test_wait_for_keys_times_out_on_the_virtual_clock(todos):
    collection, control = todos
    errors = []

    def on_waited(sync, result):
        try:
            sync.wait_for_keys_finish(result)
        except GLib.Error as e:
            errors.append(e)

    control.get_sync().wait_for_keys_async(['never'], 1000, None, on_waited)
    control.advance(999)
    wait_for(lambda: True, control)
    assert errors == []
    control.advance(1)
    wait_for(lambda: errors, control)

    assert_syncobj_error(errors[0], Syncobj.Error.TIMEOUT)


def test_json_text_is_taken_whole_and_its_length_counts_characters():
    # A snapshot of text that is not ASCII, passed with len(text) (the
    # characters, where C counts bytes) was cut short: "Malformed
    # snapshot: the text ends before the JSON value does"; and the length
    # could not be left out.
    sync = Syncobj.Sync.new('python-json-text')
    collection = Syncobj.Collection.new('python-json-text', sync, None)
    text = json.dumps([{'id': 'a', 'title': 'café crème'}, {'id': 'b', 'title': '東京'}],
                      ensure_ascii=False)

    assert sync.load_json_array(text, len(text))
    assert collection.to_list() == [{'id': 'a', 'title': 'café crème'}, {'id': 'b', 'title': '東京'}]
    assert sync.load_json_array(text)
    message = json.dumps({'type': 'update', 'value': {'id': 'a', 'title': 'thé'}}, ensure_ascii=False)
    assert sync.apply_json(message)
    assert sync.apply_json(message, len(message))
    assert collection['a']['title'] == 'thé'
