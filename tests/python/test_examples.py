# test_examples.py: the Python example program runs and shows what it claims
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import os
import subprocess
import sys
from pathlib import Path

TODO = Path(__file__).resolve().parents[2] / 'examples' / 'python' / 'todo.py'


def run_todo(*args, stdin=None):
    result = subprocess.run([sys.executable, str(TODO), *args], input=stdin,
                            capture_output=True, text=True, timeout=60,
                            env=os.environ.copy())
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_todo_demo_shows_optimistic_insert_rollback_and_retries():
    out = run_todo()

    assert '* 2 [ ] Buy milk' in out                    # listed at once, pending
    assert 'add 2: saved after 1 attempt(s)' in out
    assert 'add 3: rolled back: 422 Title longer than 40 characters' in out
    assert 'add 4: attempt 1 failed (503 Service Unavailable); retry 1' in out
    assert 'add 4: attempt 2 failed (503 Service Unavailable); retry 2' in out
    assert 'add 4: saved after 3 attempt(s)' in out
    final_list = out.rsplit('> list', 1)[1]
    assert 'Write a to-do title' not in final_list
    assert '2 [x] Buy milk' in final_list


def test_todo_reads_commands_from_stdin():
    out = run_todo('-', stdin='add Call mum\nrm 1\nlist\nquit\nadd never\n')

    assert 'add 2: saved after 1 attempt(s)' in out
    assert 'rm 1: saved after 1 attempt(s)' in out
    assert out.rstrip().endswith('2 [ ] Call mum')
    assert 'never' not in out.split('> list', 1)[1]
