#!/usr/bin/env python3
# potfiles.py: every file of the library and the examples that marks a
# string for translation is in po/POTFILES.in (xgettext reads only the
# files listed there, so a string of a missing file is never translated),
# and every file listed there exists. TAP output.
#
#   potfiles.py SOURCE_ROOT
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import os
import re
import sys

MARKS = re.compile(r'(?<![A-Za-z0-9_])(?:N?_|C_|NC_|g_dngettext|ngettext)\s*\(\s*"|translatable="yes"')
SUFFIXES = ('.c', '.h', '.ui', '.py', '.js')


def main():
    root = sys.argv[1]
    with open(os.path.join(root, 'po', 'POTFILES.in'), encoding='utf-8') as f:
        listed = {line.strip() for line in f if line.strip() and not line.startswith('#')}

    marked = set()
    for top in ('libsyncobj', 'examples'):
        for directory, _, files in os.walk(os.path.join(root, top)):
            for name in files:
                if not name.endswith(SUFFIXES):
                    continue
                path = os.path.join(directory, name)
                with open(path, encoding='utf-8', errors='replace') as f:
                    if MARKS.search(f.read()):
                        marked.add(os.path.relpath(path, root))

    checks = []
    for path in sorted(marked):
        checks.append((path in listed, f'{path} marks strings and is in po/POTFILES.in'))
    for path in sorted(listed):
        checks.append((os.path.exists(os.path.join(root, path)), f'{path} of po/POTFILES.in exists'))

    print(f'1..{len(checks)}')
    for number, (ok, what) in enumerate(checks, 1):
        print(f'{"ok" if ok else "not ok"} {number} - {what}')
    return 0 if all(ok for ok, _ in checks) else 1


if __name__ == '__main__':
    sys.exit(main())
