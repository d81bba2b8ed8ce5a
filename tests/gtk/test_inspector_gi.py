# test_inspector_gi.py: the inspector page from Python, through the
# SyncobjGtk-1.0 typelib, under Xvfb. The page is private: it is made, as
# the GTK inspector makes it, from the extension point SyncobjGtk.init() fills.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import gi

gi.require_version('Gtk', '4.0')
gi.require_version('Syncobj', '1.0')
gi.require_version('SyncobjGtk', '1.0')

import pytest  # noqa: E402
from gi.repository import Gio, GLib, GObject, Gtk, Syncobj, SyncobjGtk  # noqa: E402


def wait_for(predicate, timeout_s=5.0):
    """Dispatches the main context until predicate() holds, for at most
    timeout_s seconds of real time."""
    expired = []
    timeout_id = GLib.timeout_add(int(timeout_s * 1000), lambda: expired.append(True))
    wake_id = GLib.timeout_add(10, lambda: True)
    try:
        while not predicate() and not expired:
            GLib.MainContext.default().iteration(True)
        return predicate()
    finally:
        if not expired:
            GLib.source_remove(timeout_id)
        GLib.source_remove(wake_id)


def labels(widget, name):
    """Texts of the mapped labels named name under widget."""
    found = []
    if not widget.get_mapped():
        return found
    if isinstance(widget, Gtk.Label) and widget.get_name() == name:
        found.append(widget.get_label())
    child = widget.get_first_child()
    while child is not None:
        found.extend(labels(child, name))
        child = child.get_next_sibling()
    return found


def new_page():
    """A new page, made from the gtk-inspector-page extension point."""
    SyncobjGtk.init()
    point = Gio.IOExtensionPoint.lookup('gtk-inspector-page')
    extension = point.get_extension_by_name('libsyncobj')
    return GObject.new(extension.get_type())


@pytest.fixture(scope='module', autouse=True)
def gtk():
    if not Gtk.init_check():
        pytest.skip('no display')


def test_init_registers_the_page():
    page = new_page()
    assert page.props.title == 'Sync'
    assert isinstance(page, Gtk.Widget)
    assert not hasattr(SyncobjGtk, 'InspectorPage')


def test_page_shows_python_collections_and_transactions():
    collection, control = Syncobj.test_collection_new([{'id': 'p1', 'title': 'From Python'}])
    control.set_network_delay(100)
    transaction = collection.update('p1', {'title': 'Changed in Python'})
    control.advance(1)

    window = Gtk.Window()
    window.set_default_size(1200, 700)
    page = new_page()
    window.set_child(page)
    page.props.object = collection
    assert page.props.object == collection
    window.present()
    try:
        assert wait_for(lambda: collection.get_id() in labels(page, 'collection-id'))
        assert wait_for(lambda: transaction.get_id() in labels(page, 'transaction-id'))
        assert wait_for(lambda: 'persisting' in labels(page, 'transaction-state'))
        assert wait_for(lambda: '{"id":"p1","title":"Changed in Python"}' in labels(page, 'record-value'))

        control.advance(100)
        control.advance(100)
        assert transaction.get_state() == Syncobj.TransactionState.COMPLETED
        assert wait_for(lambda: 'completed' in labels(page, 'transaction-state'))
    finally:
        window.destroy()
