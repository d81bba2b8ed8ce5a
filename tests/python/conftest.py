# conftest.py: shared helpers of the Python tests of libsyncobj
#
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Runs against the uninstalled build: meson's test environment points
# GI_TYPELIB_PATH and LD_LIBRARY_PATH at the build tree and PYTHONPATH at
# introspection/, where gi/overrides/Syncobj.py lives.

import gc
import re
import socket
import textwrap
import time
from pathlib import Path

import gi

gi.require_version('Syncobj', '1.0')
gi.require_version('Json', '1.0')

import pytest  # noqa: E402
from gi.repository import GLib, Syncobj  # noqa: E402

# The test collections put every libsyncobj timer on a virtual clock: a
# retry scheduled 1 s ahead fires only from control.advance(). Enough
# virtual time for any backoff of the default policy (30 s cap + jitter).
LONG_ENOUGH_MS = 60_000


TOP = Path(__file__).resolve().parents[2]


def doc_snippets(guide, language='python'):
    """The code blocks of @language in @guide (a name under
    introspection/docs/, such as 'keys.md', or a Path), as a newcomer
    copies them: a block indented in a list item is dedented."""
    path = guide if isinstance(guide, Path) else TOP / 'introspection' / 'docs' / guide
    text = path.read_text(encoding='utf-8')
    return [textwrap.dedent(match.group(2))
            for match in re.finditer(r'^( *)```%s\n(.*?)^\1```' % re.escape(language), text, re.S | re.M)]


@pytest.fixture(autouse=True)
def finalize_what_the_test_left():
    """Collects each test's garbage before the next test: a collection
    left in a reference cycle would otherwise live on with its timers,
    which the next test's virtual clock would fire (the warning of a
    persist function's missing echo, fatal in this suite), depending on
    when the garbage collector happens to run."""
    yield
    gc.collect()


def wait_for(predicate, control=None, timeout_s=5.0):
    """Dispatches the default main context until predicate() holds, for
    at most timeout_s seconds of real time (a bound, never a sleep)."""
    context = GLib.MainContext.default()
    expired = []

    def on_timeout():
        expired.append(True)
        return GLib.SOURCE_REMOVE

    source_id = GLib.timeout_add(int(timeout_s * 1000), on_timeout)
    try:
        while True:
            if control is not None:
                control.run_pending()
            if predicate():
                return
            if expired:
                raise AssertionError('condition not reached within %.1f s' % timeout_s)
            context.iteration(True)
    finally:
        if not expired:
            GLib.source_remove(source_id)


def assert_syncobj_error(error, code):
    assert isinstance(error, GLib.Error)
    assert error.domain == Syncobj.ERROR_DOMAIN == 'syncobj-error-quark'
    assert error.code == code, (error.code, error.message)
    assert error.matches(Syncobj.error_quark(), code)


class ItemsChanged:
    """Records the items-changed emissions of a list model."""

    def __init__(self, model):
        self.calls = []
        self.model = model
        self.handler = model.connect('items-changed', self._on_items_changed)

    def _on_items_changed(self, model, position, removed, added):
        self.calls.append((position, removed, added))

    def take(self):
        calls, self.calls = self.calls, []
        return calls

    def disconnect(self):
        self.model.disconnect(self.handler)


@pytest.fixture
def todos():
    """An ordered test collection holding two todos, and its control."""
    return Syncobj.test_collection_new([
        {'id': '1', 'title': 'Buy milk', 'done': False},
        {'id': '2', 'title': 'Walk the dog', 'done': True},
    ])


def echo_to_server(control, job):
    """Plays the backend of a Python persist function: applies the job's
    changes to the test server, whose sync echoes them back (as a real
    backend's live updates would)."""
    for change in job.get_changes():
        if change['type'] == 'delete':
            control.emit_delete(change['key'])
        else:
            control.emit_update(change['modified'])


def free_port():
    """A TCP port of 127.0.0.1 that is free now, for a test's server."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(('127.0.0.1', 0))
        return probe.getsockname()[1]


def wait_until_listening(process, port, name, timeout_s=30):
    """Polls until a server process listens on port of 127.0.0.1, for at
    most timeout_s (node takes a moment to start, more on a busy machine);
    fails if it exits first."""
    deadline = time.monotonic() + timeout_s
    while True:
        if process.poll() is not None:
            raise AssertionError('%s exited with %d' % (name, process.returncode))
        try:
            with socket.create_connection(('127.0.0.1', port), timeout=1):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise AssertionError('%s did not listen within %d s' % (name, timeout_s))
            time.sleep(0.05)
