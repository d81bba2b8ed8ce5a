# test_inspector_gi.py: the inspector page from Python, through the
# SyncobjGtk-1.0 typelib, under Xvfb. The page is private: it is made, as
# the GTK inspector makes it, from the extension point SyncobjGtk.init() fills.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import subprocess
import sys

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



# Run in a child process: PyGObject logs GLib criticals without aborting,
# so the child's standard error is what shows them.
PAGE_GOES_WITH_ITS_WINDOW = """
import gi
gi.require_version('Gtk', '4.0')
gi.require_version('Syncobj', '1.0')
gi.require_version('SyncobjGtk', '1.0')
from gi.repository import Gio, GLib, GObject, Gtk, Syncobj, SyncobjGtk
Gtk.init()
SyncobjGtk.init()

def show_and_close():
    first, _ = Syncobj.test_collection_new([{'id': 'f1'}])
    second, _ = Syncobj.test_collection_new([{'id': 's1'}])
    window = Gtk.Window()
    point = Gio.IOExtensionPoint.lookup('gtk-inspector-page')
    page = GObject.new(point.get_extension_by_name('libsyncobj').get_type())
    window.set_child(page)
    window.present()
    page.props.object = second
    for _ in range(50):
        GLib.MainContext.default().iteration(False)
    window.destroy()

show_and_close()
print('closed')
"""


def test_page_goes_with_its_window_while_a_collection_is_selected():
    """The window holds the last reference to the page: the page goes when
    Python drops the window, with a collection other than the first
    selected. Its selection models then announce that nothing is selected
    any more; the page, half disposed, must not follow them (it did, with
    a critical)."""
    child = subprocess.run([sys.executable, '-c', PAGE_GOES_WITH_ITS_WINDOW],
                           capture_output=True, text=True, timeout=60)
    assert child.returncode == 0, child.stderr
    assert child.stdout == 'closed\n'
    assert 'CRITICAL' not in child.stderr, child.stderr
