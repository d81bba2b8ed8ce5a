# test_store.py: transactions survive the process, through one store file
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from gi.repository import Syncobj

CHILD = Path(__file__).resolve().parent / 'store_child.py'

pytestmark = pytest.mark.skipif(not hasattr(Syncobj.Store, 'new_for_path'),
                                reason='this libsyncobj has no durable store')


def run_child(mode, path):
    result = subprocess.run([sys.executable, str(CHILD), mode, str(path)],
                            capture_output=True, text=True, timeout=60,
                            env=os.environ.copy())
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_unfinished_insert_survives_a_crash_and_resumes(tmp_path):
    path = tmp_path / 'todos.db'

    written = run_child('write', path)
    assert written['state'] == 'persisting'
    assert path.exists()

    resumed = run_child('resume', path)

    # Visible at once, before any network reply, still pending.
    assert resumed['visible_at_once'] == {'id': 'a', 'title': 'Written before the crash'}
    assert resumed['pending_at_once'] is True
    # The same transaction resumed, its interrupted attempt counted.
    assert resumed['transactions'] == [written['transaction']]
    assert resumed['attempts'] == [2]
    assert resumed['states'] == ['completed']
    assert resumed['final'] == {'id': 'a', 'title': 'Written before the crash'}
    assert resumed['final_pending'] is False


def test_completed_transaction_does_not_come_back(tmp_path):
    path = tmp_path / 'todos.db'
    run_child('write', path)
    run_child('resume', path)

    again = run_child('resume', path)

    assert again['transactions'] == []
    assert again['attempts'] == []
    # The todo the sync echoed is synced state now: it comes back from the
    # store's cache, not from a transaction.
    assert again['visible_at_once'] == {'id': 'a', 'title': 'Written before the crash'}
    assert again['pending_at_once'] is False


def test_full_disk_is_reported_and_nothing_is_lost(tmp_path):
    path = tmp_path / 'todos.db'

    full = run_child('full-disk', path)

    # The flush says why, naming the file; so does write-error, once set
    # and once cleared when there is room again.
    assert full['flush_error']['code'] == Syncobj.Error.STORE
    assert full['flush_error']['message'].startswith(
        'Cannot write to the transaction store %s: ' % path)
    assert full['notified'] == [full['flush_error']['message'], None]
    assert full['write_error_after'] is False
    # The app kept working meanwhile.
    assert full['visible'] == {'id': 'a', 'title': 'Written before the crash'}
    assert full['state'] == 'persisting'

    # Written once there was room: it survives the crash that followed.
    resumed = run_child('resume', path)
    assert resumed['transactions'] == [full['transaction']]
    assert resumed['visible_at_once'] == {'id': 'a', 'title': 'Written before the crash'}
    assert resumed['states'] == ['completed']


DEFAULT_STORE_SCRIPT = '''
import sys
import gi
gi.require_version('Syncobj', '1.0')
from gi.repository import GLib, Syncobj
if len(sys.argv) > 1:
    GLib.set_prgname(sys.argv[1])
print(Syncobj.Store.get_default().props.path)
'''


def default_store_path(tmp_path, script_name, *args):
    script = tmp_path / script_name
    script.write_text(DEFAULT_STORE_SCRIPT)
    env = dict(os.environ, XDG_DATA_HOME=str(tmp_path / 'data'))
    result = subprocess.run([sys.executable, str(script), *args], capture_output=True,
                            text=True, timeout=60, env=env)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_each_python_program_has_a_default_store_of_its_own(tmp_path):
    # Without a program name both scripts shared data/syncobj/syncobj/:
    # one's cached records and unfinished writes came back in the other.
    data = tmp_path / 'data'
    assert default_store_path(tmp_path, 'notes.py') == \
        str(data / 'notes.py' / 'syncobj' / 'transactions.db')
    assert default_store_path(tmp_path, 'tasks.py') == \
        str(data / 'tasks.py' / 'syncobj' / 'transactions.db')
    # A name the program sets itself, before the first use, wins.
    assert default_store_path(tmp_path, 'tasks.py', 'org.example.Tasks') == \
        str(data / 'org.example.Tasks' / 'syncobj' / 'transactions.db')
