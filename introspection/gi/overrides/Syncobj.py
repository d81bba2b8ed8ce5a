# Syncobj.py: PyGObject override for libsyncobj
#
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Makes libsyncobj feel like Python: records are read-only mappings, writes
# and sync updates take dicts, collections support len(), iteration and
# collection[key], persist and merge functions are plain callables.
#
# Conversion between Python values and JsonObject goes through JSON text
# (the library has JSON-text entry points; json-glib parses faster than a
# member-by-member build from Python).

import collections.abc
import inspect
import json
import locale
import os
import sys
import traceback

from ..module import get_introspection_module
from ..overrides import override

from gi.repository import GLib, Gio, GObject, Json  # noqa: F401 (Gio: ListModel override)

Syncobj = get_introspection_module('Syncobj')

__all__ = []


def _export(name):
    __all__.append(name)


# -- The program's name --------------------------------------------------

# The default store is $XDG_DATA_HOME/PRGNAME/syncobj/transactions.db. A
# Python program has no PRGNAME until something sets one, and without it
# every script would share one store: one script's cached records and
# unfinished writes would show up in another's collection of the same id,
# and go to its server. Name the program after its script, as
# Gio.Application.run() does, unless it already has a name (set it with
# GLib.set_prgname() before this import to choose the folder).


def _name_the_program():
    if GLib.get_prgname() is not None:
        return
    script = sys.argv[0] if getattr(sys, 'argv', None) else ''
    if script in ('', '-', '-c', '-m'):
        return                        # interactive: the store's own default
    name = os.path.basename(script)
    if name == '__main__.py':         # python3 -m package
        name = os.path.basename(os.path.dirname(os.path.abspath(script))) or name
    GLib.set_prgname(name)


_name_the_program()


# -- The user's language -------------------------------------------------

# Python sets only LC_CTYPE from the environment. While LC_MESSAGES is
# "C", GNU gettext ignores LANGUAGE and LC_MESSAGES, so the library's
# error messages stayed English under LANGUAGE=de. Take the user's
# LC_MESSAGES, as Gtk.init() and GJS do, unless the program chose one
# (locale.setlocale(locale.LC_MESSAGES, ...) before this import).


def _use_the_users_language():
    try:
        if locale.setlocale(locale.LC_MESSAGES) in ('C', 'POSIX'):
            locale.setlocale(locale.LC_MESSAGES, '')
    except (AttributeError, locale.Error):
        pass                          # no LC_MESSAGES here, or a locale not installed


_use_the_users_language()


# -- JSON <-> Python -----------------------------------------------------


def to_python(value):
    """Converts a Json.Object, Json.Array or Json.Node to Python values
    (dict, list, str, int, float, bool, None). None stays None."""
    if value is None:
        return None
    if isinstance(value, Json.Node):
        node = value
    elif isinstance(value, Json.Object):
        node = Json.Node.alloc().init_object(value)
    elif isinstance(value, Json.Array):
        node = Json.Node.alloc().init_array(value)
    else:
        raise TypeError('expected a Json.Object, Json.Array or Json.Node, not %s'
                        % type(value).__name__)
    return json.loads(Json.to_string(node, False))


def _unwritable(value, path=''):
    """Where and what the first part of value is that JSON cannot hold
    (NaN, an infinity, a set, bytes …), as “tags[1].when” is inf; or None."""
    where = '“%s”' % path if path else 'it'
    if isinstance(value, float) and (value != value or value in (float('inf'), float('-inf'))):
        return '%s is %r' % (where, value)
    if value is None or isinstance(value, (str, int, float)):
        return None
    if isinstance(value, dict):
        for member, item in value.items():
            if not isinstance(member, (str, int, float, bool)) and member is not None:
                return '%s has a member name of type %s' % (where, type(member).__name__)
            found = _unwritable(item, '%s.%s' % (path, member) if path else str(member))
            if found:
                return found
        return None
    if isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            found = _unwritable(item, '%s[%d]' % (path, index))
            if found:
                return found
        return None
    return '%s is of type %s' % (where, type(value).__name__)


def _dumps(value, what):
    try:
        return json.dumps(value, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as e:
        raise TypeError('%s cannot be written as JSON: %s' % (what, _unwritable(value) or e)) from None


def _json_text(value, what):
    """value as JSON text: a str is taken as JSON text already; anything
    else is written as JSON."""
    return value if isinstance(value, str) else _dumps(value, what)


def to_json_object(value):
    """Converts a dict (or a Mapping such as a Syncobj.Record) to a
    Json.Object. A Json.Object is returned as is; None stays None."""
    if value is None or isinstance(value, Json.Object):
        return value
    if isinstance(value, Record):
        value = value.to_dict()
    if not isinstance(value, dict):
        try:
            value = dict(value)
        except (TypeError, ValueError):
            raise TypeError('expected a dict or a Json.Object, not %s'
                            % type(value).__name__) from None
    return Json.from_string(_dumps(value, 'the record')).get_object()


def to_json_array(values):
    """Converts a list of dicts to a Json.Array (None stays None)."""
    if values is None or isinstance(values, Json.Array):
        return values
    values = [v.to_dict() if isinstance(v, Record) else v for v in values]
    for v in values:
        if not isinstance(v, dict):
            raise TypeError('expected a list of dicts, found %s' % type(v).__name__)
    return Json.from_string(_dumps(values, 'the records')).get_array()


_export('to_python')
_export('to_json_object')
_export('to_json_array')

#: The GLib.Error domain of libsyncobj errors, as PyGObject reports it in
#: GLib.Error.domain; the codes are Syncobj.Error.
ERROR_DOMAIN = GLib.quark_to_string(Syncobj.error_quark())
_export('ERROR_DOMAIN')


def _shift(index, position, removed, added):
    """Where the item at index is after items-changed(position, removed,
    added); an index inside the removed run goes to the end of the added
    one."""
    if position >= index:
        return index
    if position + removed <= index:
        return index + added - removed
    return position + added


def _iterate(model):
    """Yields the items of a live Gio.ListModel that a loop may change: a
    loop that deletes, updates or inserts records still visits each of the
    items the model held when the loop began (and still holds) once, in
    order, and nothing it adds."""
    bounds = [0, model.get_n_items()]          # the next item, the end

    def on_items_changed(model, position, removed, added):
        bounds[0] = _shift(bounds[0], position, removed, added)
        bounds[1] = _shift(bounds[1], position, removed, added)

    handler = model.connect('items-changed', on_items_changed)
    try:
        while bounds[0] < min(bounds[1], model.get_n_items()):
            index = bounds[0]
            bounds[0] = index + 1
            yield model.get_item(index)
    finally:
        model.disconnect(handler)


def _key(key):
    """A record's key from a str, or from an int as the server's integer
    ids are (json-server, SERIAL columns): the key of {"id": 7} is "7"."""
    if isinstance(key, int) and not isinstance(key, bool):
        return str(key)
    return key


# -- Records -------------------------------------------------------------


class Record(Syncobj.Record):
    """The live object of one key: a read-only mapping over its visible
    value (record["title"], dict(record), "title" in record, len(record),
    iteration over member names)."""

    # Python attributes for the properties, with JSON values as dicts
    # (props.value and get_value() still give the Json.Object).
    key = property(lambda self: self.get_key(), doc='The key of the record.')
    value = property(lambda self: to_python(self.get_value()),
                     doc='The visible value as a new dict, or None once the record is gone.')
    synced_value = property(lambda self: to_python(self.get_synced_value()),
                            doc='The synced value as a new dict, or None when the server has none.')
    pending = property(lambda self: self.get_pending(),
                       doc='Whether optimistic changes are part of the visible value.')

    def to_dict(self):
        """The visible value as a new dict ({} once the record is gone)."""
        return to_python(self.get_value()) or {}

    def synced_dict(self):
        """The synced value as a new dict, or None when the server has none."""
        return to_python(self.get_synced_value())

    def keys(self):
        value = self.get_value()
        return list(value.get_members()) if value is not None else []

    def values(self):
        return list(self.to_dict().values())

    def items(self):
        return list(self.to_dict().items())

    def get(self, member, default=None):
        value = self.get_value()
        if value is None or not value.has_member(member):
            return default
        return to_python(value.get_member(member))

    def __getitem__(self, member):
        if not isinstance(member, str):
            raise TypeError('record members are strings, not %s' % type(member).__name__)
        value = self.get_value()
        if value is None or not value.has_member(member):
            raise KeyError(member)
        return to_python(value.get_member(member))

    def __contains__(self, member):
        return isinstance(member, str) and self.has_member(member)

    def __len__(self):
        value = self.get_value()
        return value.get_size() if value is not None else 0

    def __iter__(self):
        return iter(self.keys())

    def __repr__(self):
        return '<Syncobj.Record %r %s>' % (self.get_key(), self.to_json())

    # record == {"id": "1", ...} compares the visible value, as a mapping
    # does; two records are equal only when they are the same object (one
    # per key and collection), so that records stay hashable by identity.
    def __eq__(self, other):
        if isinstance(other, Syncobj.Record):
            return self is other
        if isinstance(other, collections.abc.Mapping):
            return self.to_dict() == dict(other.items())
        return NotImplemented

    def __ne__(self, other):
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    def __hash__(self):
        return object.__hash__(self)


Record = override(Record)
collections.abc.Mapping.register(Record)   # isinstance(), match … case {…}
_export('Record')


# -- Collections ---------------------------------------------------------


def _check_arity(func, n_args, call):
    """Raises TypeError unless func can be called with n_args positional
    arguments; callables whose signature Python cannot read are accepted."""
    if not callable(func):
        raise TypeError('expected a callable, not %s' % type(func).__name__)
    try:
        signature = inspect.signature(func)
    except (TypeError, ValueError):
        return
    try:
        signature.bind(*([None] * n_args))
    except TypeError:
        raise TypeError('%s%s cannot be called as %s'
                        % (getattr(func, '__qualname__', repr(func)), signature, call)) from None


class Collection(Syncobj.Collection):
    """A keyed data set and a Gio.ListModel of Syncobj.Record:
    len(collection), iteration over records, collection[key] (KeyError when
    no record is visible for key), key in collection, and writes that take
    dicts.

    Keys are strings; the methods that take a key (get, lookup, contains,
    update, delete, `in`) also take an int, the key of an integer id
    ({"id": 7} is "7"). collection[i] with an int is the record at
    position i of the list: collection["7"] or collection.get(7) is the
    record of id 7."""

    def __len__(self):
        return self.get_n_items()

    def __iter__(self):
        return _iterate(self)

    def __getitem__(self, key):
        if isinstance(key, str):
            record = self.lookup(key)
            if record is None:
                raise KeyError(key)
            return record
        if (isinstance(key, int) and not isinstance(key, bool)) or isinstance(key, slice):
            return _at(self, key, 'collection')
        raise TypeError('collection keys are strings (or positions), not %s'
                        % type(key).__name__)

    def __contains__(self, key):
        if isinstance(key, Record):
            key = key.get_key()
        key = _key(key)
        return isinstance(key, str) and self.contains(key)

    def get(self, key, default=None):
        # As dict.get: a key no record can have (None, a record["id"]
        # that is missing) gives the default, as `None in collection` is
        # False.
        if key is None:
            return default
        record = self.lookup(key)
        return record if record is not None else default

    def lookup(self, key):
        return super().lookup(_key(key))

    def lookup_value(self, key):
        return super().lookup_value(_key(key))

    def contains(self, key):
        return super().contains(_key(key))

    def delete(self, key):
        """Deletes the record of key (a str, or an int id); returns the
        transaction."""
        return super().delete(_key(key))

    def update_json(self, key, json_text):
        return super().update_json(_key(key), json_text)

    def keys(self):
        return list(self.get_keys())

    def to_list(self):
        """The visible values, in list-model order, as a list of dicts."""
        return json.loads(self.to_json())

    def insert(self, value):
        """Inserts a record (a dict or a Json.Object); returns its transaction."""
        if isinstance(value, Json.Object):
            return super().insert(value)
        if not isinstance(value, dict):
            value = to_python(to_json_object(value))
        return self.insert_json(_dumps(value, 'the record'))

    def update(self, key, changes):
        """Merges changes (a dict or a Json.Object) into the record of key."""
        key = _key(key)
        if isinstance(changes, Json.Object):
            return super().update(key, changes)
        if not isinstance(changes, dict):
            changes = to_python(to_json_object(changes))
        return self.update_json(key, _dumps(changes, 'the changes'))

    @staticmethod
    def new_with_properties_async(names, values, cancellable=None, callback=None, *user_data):
        """Creates a collection with the properties names (a list of str)
        set to values (a list of as many plain values) and starts it from
        its store without blocking; finish with new_with_properties_finish().

        Lists of different lengths, or a name that is no property of
        Syncobj.Collection, raise here: the C call would read past the
        shorter list, or leave the property unset with only a warning."""
        names, values = list(names), list(values)
        if len(names) != len(values):
            raise ValueError('%d property names but %d values' % (len(names), len(values)))
        typed = []
        for name, value in zip(names, values):
            pspec = Syncobj.Collection.find_property(name) if isinstance(name, str) else None
            if pspec is None:
                raise TypeError('Syncobj.Collection has no property %r' % (name,))
            try:
                typed.append(GObject.Value(pspec.value_type, value))
            except (TypeError, ValueError) as e:
                raise TypeError('property %r of Syncobj.Collection takes a %s, not %r: %s'
                                % (name, pspec.value_type.name, value, e)) from None
        return Syncobj.Collection.new_with_properties_async(names, typed, cancellable, callback,
                                                            *user_data)

    @classmethod
    def shared(cls, id, sync=None, mutator=None, store=None):
        """The live collection of id, shared by every component that asks
        for it; created from sync, mutator and store when there is none
        (they are not used when it exists: it keeps its own)."""
        return Syncobj.Collection.get_or_create(id, sync, mutator, store)

    def set_merge_func(self, func, *user_data):
        """Sets the merge function of a parallel collection:
        func(collection, key, synced, mutations, *user_data) gets the synced
        value as a dict (or None) and the pending mutations as a list of
        Syncobj.PendingMutation, and returns the visible value as a dict
        (or a Json.Object), or None to hide the record. None as func goes
        back to the default composition.

        An exception func raises (or a value that is no dict) is printed, and
        the record shows the default composition
        (Syncobj.Collection.compose_default()) until the next change, so that
        a bug in func never hides what the user typed.

        A func that cannot take these arguments (such as a two-argument
        merge(synced, pending)) is refused here with a TypeError, not when
        it is first called."""
        if func is None:
            return super().set_merge_func(None)
        _check_arity(func, 4 + len(user_data),
                     'func(collection, key, synced, mutations%s)'
                     % ''.join(', user_data%d' % i for i in range(len(user_data))))

        def merge(collection, key, synced, mutations, *data):
            try:
                result = func(collection, key, to_python(synced), list(mutations), *data)
                return to_json_object(result)
            except Exception:
                traceback.print_exc(file=sys.stderr)
                return Syncobj.Collection.compose_default(collection, synced, mutations)

        return super().set_merge_func(merge, *user_data)

    def compose_default(self, synced, mutations):
        """What the collection shows without a merge function: synced (a
        dict, a Json.Object or None) with each of mutations applied in order,
        as a dict, or None when the record is hidden. A merge function may
        start from it."""
        return to_python(super().compose_default(to_json_object(synced), list(mutations)))

    def set_conflict_func(self, func, *user_data):
        """Sets the function that resolves conflicts, and the conflict
        policy to CUSTOM: func(collection, key, local, server, *user_data)
        gets the local value and the server's current record as dicts (None
        for a delete, or a record deleted on the server) and returns the
        value to send as a dict (or a Json.Object), or None to give the
        change up. None as func goes back to the REBASE policy.

        An exception func raises (or a value that is no dict) is printed, and
        the conflict is resolved as REBASE does
        (Syncobj.Collection.resolve_conflict_with()), so that a bug in func
        never gives the user's change up."""
        if func is None:
            return super().set_conflict_func(None)
        _check_arity(func, 4 + len(user_data),
                     'func(collection, key, local, server%s)'
                     % ''.join(', user_data%d' % i for i in range(len(user_data))))

        def resolve(collection, key, local, server, *data):
            try:
                result = func(collection, key, to_python(local), to_python(server), *data)
                return to_json_object(result)
            except Exception:
                traceback.print_exc(file=sys.stderr)
                collection.resolve_conflict_with(Syncobj.ConflictPolicy.REBASE)
                return None

        return super().set_conflict_func(resolve, *user_data)


    def view(self, where=None, order_by=None, offset=0, limit=None, pending=None):
        """A live Syncobj.View of the collection; see Syncobj.View.make()."""
        return View.make(self, where=where, order_by=order_by, offset=offset,
                         limit=limit, pending=pending)

    def join(self, member, other):
        """A live Syncobj.Join pairing each record with the record of other
        (a Syncobj.Collection) that its member names; see Join."""
        return Syncobj.Join.new(self, member, other)


Collection = override(Collection)
_export('Collection')


# -- Views -----------------------------------------------------------------


class Condition(Syncobj.Condition):
    """A condition on a record's value, for a view's where. Its value and
    what matches() judges are plain Python values:
    Syncobj.Condition.new('done', Syncobj.ConditionOp.EQ, False),
    condition.matches({'done': False})."""

    @staticmethod
    def new(member, op, value=None):
        """A condition on member; value is any JSON-able Python value (None
        is JSON null, or no value for EXISTS and IS_NULL), or a Json.Node."""
        if not isinstance(value, Json.Node) and not (
                value is None and op in (Syncobj.ConditionOp.EXISTS, Syncobj.ConditionOp.IS_NULL)):
            value = Json.from_string(_dumps(value, 'the condition\'s value'))
        return Syncobj.Condition.new(member, op, value)

    @staticmethod
    def new_from_json(json_text):
        """A condition from its JSON form, as text or as a dict."""
        return Syncobj.Condition.new_from_json(_json_text(json_text, 'the condition'))

    def matches(self, value):
        """Whether value (a dict, a Syncobj.Record or a Json.Object) meets
        the condition."""
        return super().matches(to_json_object(value))


Condition = override(Condition)
_export('Condition')


class View(Syncobj.View):
    """A live, filtered and sorted Gio.ListModel of Syncobj.Record: len(view),
    iteration, view[i]. Make one with collection.view(...)."""

    @classmethod
    def make(cls, source, where=None, order_by=None, offset=0, limit=None, pending=None):
        """Makes a view of source (a collection or a view). The keywords map
        onto the JSON description of Syncobj.View.new_from_json():
        where is a condition in its JSON form, as a dict
        ({'member': 'done', 'op': '=', 'value': False}, {'and': [...]}, ...),
        or a function of the record returning a bool; order_by a list of
        member paths, "-member" for a descending order; offset and limit
        integers; pending None, "only" or "exclude". A description that does
        not fit raises GLib.Error with Syncobj.Error.INVALID_VIEW."""
        description = {}
        func = None
        if isinstance(where, Syncobj.Condition):
            raise TypeError('where takes a condition in its JSON form (a dict) or a function; '
                            'make a view of a Syncobj.Condition with Syncobj.View.new(source, '
                            'condition, order_by)')
        if callable(where):
            func = where
        elif where is not None:
            description['where'] = where
        if order_by is not None:
            if isinstance(order_by, str):
                order_by = [order_by]
            description['order_by'] = list(order_by)
        if offset:
            description['offset'] = offset
        if limit is not None:
            description['limit'] = limit
        if pending is not None:
            description['pending'] = pending
        view = Syncobj.View.new_from_json(source, _dumps(description, 'the view description'))
        if func is not None:
            view.set_filter_func(func)
        return view

    def view(self, where=None, order_by=None, offset=0, limit=None, pending=None):
        """A view of this view; see make()."""
        return View.make(self, where=where, order_by=order_by, offset=offset,
                         limit=limit, pending=pending)

    def __len__(self):
        return self.get_n_items()

    def __iter__(self):
        return _iterate(self)

    def __getitem__(self, index):
        return _at(self, index, 'view')

    def join(self, member, other):
        """A live Syncobj.Join pairing each record shown with the record of
        other (a Syncobj.Collection) that its member names; see Join."""
        return Syncobj.Join.new(self, member, other)

    def keys(self):
        """The keys of the records shown, in order."""
        return [record.get_key() for record in self]

    def to_list(self):
        """The values of the records shown, in order, as a list of dicts."""
        return [record.to_dict() for record in self]


View = override(View)
_export('View')


def _at(model, index, what, item=lambda got: got):
    """model[index]: the item at a position (negative from the end), or
    for a slice a list of the items at its positions, as a list gives."""
    if isinstance(index, slice):
        return [item(model.get_item(i)) for i in range(*index.indices(model.get_n_items()))]
    return item(model.get_item(_position(model, index, what)))


def _position(model, index, what):
    """The position of index (negative from the end) in a list model."""
    if not isinstance(index, int) or isinstance(index, bool):
        raise TypeError('%s positions are integers, not %s' % (what, type(index).__name__))
    n = model.get_n_items()
    position = index + n if index < 0 else index
    if not 0 <= position < n:
        raise IndexError('%s index out of range' % what)
    return position


class Join(Syncobj.Join):
    """A live Gio.ListModel of Syncobj.JoinRow, each record of a collection
    or view with the record of another collection that its member names
    (None when it names none). Iterating, and join[i], give (record,
    joined) pairs: for todo, todo_list in todos.join('list_id', lists)."""

    def __len__(self):
        return self.get_n_items()

    def __iter__(self):
        for row in _iterate(self):
            yield row.get_record(), row.get_joined()

    def __getitem__(self, index):
        return _at(self, index, 'join', lambda row: (row.get_record(), row.get_joined()))


Join = override(Join)
_export('Join')


# -- Transactions and mutations ------------------------------------------


class Transaction(Syncobj.Transaction):
    """A set of writes persisted all-or-nothing; its writes take dicts.

    A transaction from Collection.begin() is also a context manager: it
    commits when the block ends and rolls back when the block raises,
    unless the block committed or rolled it back itself.

        with todos.begin() as transaction:
            transaction.insert(todos, {"id": "3", "title": "Water plants"})
            transaction.update(todos, "1", {"done": True})
    """

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc_value, traceback_):
        # Only a transaction the block left open: one it committed or
        # rolled back itself (to give the writes up on a condition) stays
        # as it is, as with sqlite3's connection.
        if self.get_state() != Syncobj.TransactionState.PENDING or getattr(self, '_committed', False):
            return False
        if exc_type is None:
            self.commit()
        else:
            self.rollback()
        return False

    def commit(self):
        result = super().commit()
        self._committed = True
        return result

    def insert(self, collection, value):
        return super().insert(collection, to_json_object(value))

    def update(self, collection, key, changes):
        return super().update(collection, _key(key), to_json_object(changes))

    def delete(self, collection, key):
        return super().delete(collection, _key(key))

    def set_metadata(self, metadata):
        return super().set_metadata(to_json_object(metadata))

    def metadata_dict(self):
        return to_python(self.get_metadata())

    def to_dict(self):
        return json.loads(self.to_json())

    def __repr__(self):
        return '<Syncobj.Transaction %s %s>' % (self.get_id(), self.get_state_name())


Transaction = override(Transaction)
_export('Transaction')


class PendingMutation(Syncobj.PendingMutation):
    """One write of a transaction, with dict views of its JSON values."""

    key = property(lambda self: self.get_key(), doc='The key the mutation writes.')
    type = property(lambda self: self.get_mutation_type(),
                    doc='Syncobj.MutationType.INSERT, UPDATE or DELETE.')
    changes = property(lambda self: to_python(self.get_changes()),
                       doc='The changes as a dict (the whole record for an insert).')
    original = property(lambda self: to_python(self.get_original()),
                        doc='The record before the mutation as a dict, or None.')
    modified = property(lambda self: to_python(self.get_modified()),
                        doc='The record after the mutation as a dict, or None for a delete.')

    def changes_dict(self):
        return to_python(self.get_changes())

    def original_dict(self):
        return to_python(self.get_original())

    def modified_dict(self):
        return to_python(self.get_modified())

    def set_metadata(self, metadata):
        return super().set_metadata(to_json_object(metadata))

    def to_dict(self):
        return json.loads(self.to_json())


PendingMutation = override(PendingMutation)
_export('PendingMutation')


class PersistJob(Syncobj.PersistJob):
    """One persist call; finish it once with complete(), fail(error),
    fail_message(message), fail_non_retriable(message) or conflict(key,
    current), from any thread."""

    def get_changes(self):
        """The transaction's mutations as a list of dicts (the parsed
        get_changes_json())."""
        return json.loads(self.get_changes_json())

    def fail(self, error):
        """Reports that the call failed with error, a GLib.Error or any
        other exception (an OSError of the network, say), which fails it
        as a retriable Syncobj.Error.FAILED with its type and text."""
        if isinstance(error, BaseException) and not isinstance(error, GLib.Error):
            return self.fail_message('%s: %s' % (type(error).__name__, error))
        return super().fail(error)

    def set_created(self, mutation, record):
        """Tells the key the server gave the record that mutation (an
        insert made without a key) inserted: record is the record as the
        server created it, a dict (or a Json.Object) holding at least the
        key member."""
        if isinstance(record, Json.Object):
            return super().set_created(mutation, record)
        return self.set_created_json(mutation, _dumps(record, 'the created record'))

    def conflict(self, key, current):
        """Reports that the server refused the change to key because its
        record changed: current is the server's record as a dict (or a
        Json.Object or Json.Node), or None when the server deleted it."""
        if current is not None and not isinstance(current, Json.Node):
            current = Json.Node.alloc().init_object(to_json_object(current))
        return super().conflict(_key(key), current)


PersistJob = override(PersistJob)
_export('PersistJob')


# -- Retry policies ------------------------------------------------------


class RetryPolicy(Syncobj.RetryPolicy):
    """When and how often a failed transaction is tried again."""

    def set_classify_func(self, func, *user_data):
        """Sets func(error, *user_data), which returns True when error may
        be retried. A func that cannot take these arguments (such as
        classify(policy, error)) is refused here with a TypeError. An
        exception it raises is printed and the error retried, as without a
        classify function, so that a bug in it never throws a change away.
        None as func goes back to retrying everything."""
        if func is None:
            return super().set_classify_func(None)
        _check_arity(func, 1 + len(user_data),
                     'func(error%s)' % ''.join(', user_data%d' % i for i in range(len(user_data))))

        def classify(error, *data):
            try:
                return bool(func(error, *data))
            except Exception:
                traceback.print_exc(file=sys.stderr)
                return True

        return super().set_classify_func(classify, *user_data)


RetryPolicy = override(RetryPolicy)
_export('RetryPolicy')


# -- Persist functions ---------------------------------------------------


def _wrap_persist_func(func, n_user_data):
    """Runs func(job, *user_data); an exception it raises fails the job
    (GLib.Error as is, anything else as a retriable failure) instead of
    leaving the transaction waiting for ever.

    A func that cannot be called so, or a coroutine function (async def:
    PyGObject runs no asyncio loop to await it, and every attempt would
    end as a job dropped unfinished), is refused with a TypeError."""
    if inspect.iscoroutinefunction(func):
        raise TypeError('%s is a coroutine function (async def), which nothing would await: '
                        'write a plain function that finishes the job now or later, from '
                        'GLib.timeout_add, GLib.idle_add, a thread or another async call'
                        % getattr(func, '__qualname__', repr(func)))
    _check_arity(func, 1 + n_user_data,
                 'func(job%s)' % ''.join(', user_data%d' % i for i in range(n_user_data)))

    def persist(job, *user_data):
        try:
            result = func(job, *user_data)
            if inspect.isawaitable(result):
                if hasattr(result, 'close'):
                    result.close()
                raise TypeError('the persist function returned %s, which nothing awaits: '
                                'finish the job from a plain function' % type(result).__name__)
        except GLib.Error as e:
            if not job.get_finished():
                job.fail(e)
        except Exception as e:
            traceback.print_exc(file=sys.stderr)
            if not job.get_finished():
                job.fail(e)

    return persist


class FuncMutator(Syncobj.FuncMutator):
    """A mutator over a plain Python callable func(job, *user_data) that
    finishes the job, now or later (from GLib.timeout_add, GLib.idle_add,
    another thread or another async call)."""

    @classmethod
    def new(cls, func, *user_data):
        if func is None:
            return Syncobj.FuncMutator.new(None)
        return Syncobj.FuncMutator.new(_wrap_persist_func(func, len(user_data)), *user_data)

    def set_await_sync_func(self, func, *user_data):
        if func is None:
            return super().set_await_sync_func(None)
        return super().set_await_sync_func(_wrap_persist_func(func, len(user_data)), *user_data)


FuncMutator = override(FuncMutator)
_export('FuncMutator')


# -- Sync side and test harness ------------------------------------------


class Sync(Syncobj.Sync):
    """The sync side; write() takes a dict, load_json_array() and
    apply_json() a str (its length is optional)."""

    def write(self, type, value):
        return super().write(type, to_json_object(value))

    # A length counts bytes of UTF-8 in C; a Python str is passed whole, so
    # a length is read as a count of its characters, as len(text) gives.
    @staticmethod
    def _text(json, length):
        return json[:length] if length >= 0 and isinstance(json, str) else json

    def load_json_array(self, json, length=-1):
        """Loads a snapshot, a JSON array of records given as text."""
        return super().load_json_array(self._text(json, length), -1)

    def apply_json(self, json, length=-1):
        """Applies one change message given as text."""
        return super().apply_json(self._text(json, length), -1)

    def wait_for_keys_async(self, keys, *args):
        """Waits until the sync delivers keys (str, or the int a record
        holds)."""
        return super().wait_for_keys_async([_key(key) for key in keys], *args)


Sync = override(Sync)
_export('Sync')


def _selector(selector):
    return None if selector is None else _json_text(selector, 'the selector')


class CouchSync(Syncobj.CouchSync):
    """A CouchDB sync; its selector may be a dict:
    sync.set_selector({'type': 'note'}), or selector={'type': 'note'} among
    the constructor's keywords."""

    def __init__(self, **kwargs):
        if 'selector' in kwargs:
            kwargs['selector'] = _selector(kwargs['selector'])
        super().__init__(**kwargs)

    def set_selector(self, selector):
        """A Mango selector, as a dict or as JSON text; None syncs the whole
        database."""
        return super().set_selector(_selector(selector))


CouchSync = override(CouchSync)
_export('CouchSync')


class TestSync(Syncobj.TestSync):
    __test__ = False  # not a pytest test class

    @classmethod
    def new(cls, id, initial_data=None):
        return Syncobj.TestSync.new(id, to_json_array(initial_data))


TestSync = override(TestSync)
_export('TestSync')


class SyncControl(Syncobj.SyncControl):
    """The control of a test collection; emit_update() takes a dict."""

    def emit_update(self, value):
        return super().emit_update(to_json_object(value))

    def emit_delete(self, key):
        return super().emit_delete(_key(key))


SyncControl = override(SyncControl)
_export('SyncControl')


def test_collection_new(initial_data=None, strategy=Syncobj.Strategy.ORDERED):
    """Creates a test collection from a list of dicts (or a Json.Array);
    returns (collection, control)."""
    return Syncobj.test_collection_new(to_json_array(initial_data), strategy)


test_collection_new.__test__ = False


def test_collection_new_for_id(id, initial_data=None, strategy=Syncobj.Strategy.ORDERED):
    """Like test_collection_new() with a chosen collection id."""
    return Syncobj.test_collection_new_for_id(id, to_json_array(initial_data), strategy)


test_collection_new_for_id.__test__ = False

_export('test_collection_new')
_export('test_collection_new_for_id')
