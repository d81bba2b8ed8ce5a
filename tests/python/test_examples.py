# test_examples.py: the Python example program runs and shows what it claims
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import os
import subprocess
import sys
from pathlib import Path

import pytest

TODO = Path(__file__).resolve().parents[2] / 'examples' / 'python' / 'todo.py'
SERVER = os.environ.get('SYNCOBJ_DEMO_SERVER')


def run_todo(*args, stdin=None, data_home=None):
    env = os.environ.copy()
    if data_home is not None:
        env['XDG_DATA_HOME'] = str(data_home)     # where the default store is
    result = subprocess.run([sys.executable, str(TODO), *args], input=stdin,
                            capture_output=True, text=True, timeout=60, env=env)
    assert result.returncode == 0, result.stderr
    return result.stdout


def assert_demo_output(out):
    assert '* 2 [ ] Buy milk' in out                    # listed at once, pending
    assert 'add 2: saved after 1 attempt(s)' in out
    assert 'add 3: rolled back: ' in out
    assert 'Refused by the server' in out
    assert 'add 4: attempt 1 failed (' in out and '503' in out
    assert 'add 4: attempt 2 failed (' in out
    assert 'add 4: saved after 3 attempt(s)' in out
    final_list = out.rsplit('> list', 1)[1]
    assert final_list.split('\n')[1:4] == ['      1 [x] Read the libsyncobj README',
                                           '      2 [x] Buy milk',
                                           '      4 [ ] Water the plants']


def test_todo_demo_shows_optimistic_insert_rollback_and_retries():
    assert_demo_output(run_todo())


def test_todo_reads_commands_from_stdin():
    out = run_todo('-', stdin='add Call mum\nrm 1\nlist\nquit\nadd never\n')

    assert 'add 2: saved after 1 attempt(s)' in out
    assert 'rm 1: saved after 1 attempt(s)' in out
    assert out.rstrip().endswith('2 [ ] Call mum')
    assert 'never' not in out.split('> list', 1)[1]


@pytest.mark.skipif(not SERVER, reason='the demo server is not built')
def test_todo_demo_against_the_demo_server(tmp_path):
    server = subprocess.Popen([SERVER, '--port=0', '--db=%s' % (tmp_path / 'demo.db')],
                              stdout=subprocess.PIPE, text=True)
    try:
        port = int(server.stdout.readline().split()[1])
        assert_demo_output(run_todo('--server', 'http://127.0.0.1:%d' % port, data_home=tmp_path))
    finally:
        server.kill()
        server.wait(timeout=10)

    # Started again with the server down: the last-known to-dos, at once,
    # from the default store; a change made now waits there.
    out = run_todo('--server', 'http://127.0.0.1:%d' % port, '-',
                   stdin='list\nadd Offline idea\nquit\n', data_home=tmp_path)
    assert 'The server cannot be reached' in out
    listed = out.split('> list', 1)[1].split('> add', 1)[0]
    assert listed.split('\n')[1:4] == ['      1 [x] Read the libsyncobj README',
                                       '      2 [x] Buy milk',
                                       '      4 [ ] Water the plants']
    assert '* 5 [ ] Offline idea' in out
    again = run_todo('--server', 'http://127.0.0.1:%d' % port, '-', stdin='list\n', data_home=tmp_path)
    assert '* 5 [ ] Offline idea' in again
