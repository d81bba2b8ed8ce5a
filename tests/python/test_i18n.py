# test_i18n.py: the library's messages in the user's language
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import os
import subprocess
import sys

# The catalogues of the build tree (po/), not the installed ones.
LOCALEDIR = os.path.join(os.environ.get('G_TEST_BUILDDIR', ''), '..', 'po')

CHILD = '''
import locale
import gi
gi.require_version("Syncobj", "1.0")
from gi.repository import GLib, Syncobj
todos, control = Syncobj.test_collection_new([{"id": "1", "title": "Buy milk"}])
# After the library bound its domain to the installed catalogues.
locale.bindtextdomain("libsyncobj-1", %r)
for write in (lambda: todos.insert({"id": "1"}), lambda: todos.insert({"id": 1.5})):
    try:
        write()
    except GLib.Error as e:
        print(e.message)
'''


def run_child(**environment):
    env = dict(os.environ, **environment)
    env.pop('LC_ALL', None)
    env.pop('LC_MESSAGES', None)
    return subprocess.run([sys.executable, '-c', CHILD % LOCALEDIR], env=env,
                          capture_output=True, text=True, check=True).stdout.splitlines()


def test_language_of_the_environment_translates_errors():
    assert os.path.isfile(os.path.join(LOCALEDIR, 'de', 'LC_MESSAGES', 'libsyncobj-1.mo'))
    # No setlocale() in the program: importing Syncobj takes LC_MESSAGES
    # from the environment, where LANGUAGE then counts.
    assert run_child(LANG='C.UTF-8', LANGUAGE='de') == [
        'Datensatz „1“ existiert bereits in Sammlung „test-collection-1“',
        'Das Element „id“ des Datensatzes muss eine nicht leere Zeichenkette oder eine ganze Zahl sein',
    ]
    assert run_child(LANG='C.UTF-8', LANGUAGE='en')[0] == \
        'Record “1” already exists in collection “test-collection-1”'
