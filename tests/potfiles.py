#!/usr/bin/env python3
# potfiles.py: every file of the library and the examples that marks a
# string for translation is in po/POTFILES.in (xgettext reads only the
# files listed there, so a string of a missing file is never translated),
# and every file listed there exists; no marked string has a printf macro
# such as G_GUINT64_FORMAT glued into it (xgettext stops at the macro, so
# the catalogue never holds the string the program looks up); and every
# catalogue of po/LINGUAS translates every message of the sources, none
# fuzzy, with the format directives of the original (msgfmt -c). TAP
# output. The catalogue checks need xgettext, msgmerge, msgattrib and
# msgfmt (the gettext package) and are skipped without them.
#
#   potfiles.py SOURCE_ROOT
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import os
import re
import shutil
import subprocess
import sys
import tempfile

MARKS = re.compile(r'''(?<![A-Za-z0-9_])(?:N?_|C_|NC_|g_dngettext|ngettext)\s*\(\s*['"]|translatable="yes"''')
GLUED = re.compile(r'''(?<![A-Za-z0-9_])N?_\s*\(\s*"(?:[^"\\]|\\.)*%"\s*G_\w+_FORMAT''')
SUFFIXES = ('.c', '.h', '.ui', '.py', '.js')
# The glib preset of meson's i18n module (po/meson.build).
XGETTEXT_ARGS = [
    '--from-code=UTF-8', '--add-comments',
    '--keyword=_', '--keyword=N_', '--keyword=C_:1c,2', '--keyword=NC_:1c,2',
    '--keyword=g_dcgettext:2', '--keyword=g_dngettext:2,3', '--keyword=g_dpgettext2:2c,3',
    '--flag=N_:1:pass-c-format', '--flag=C_:2:pass-c-format', '--flag=NC_:2:pass-c-format',
    '--flag=g_dngettext:2:pass-c-format', '--flag=g_strdup_printf:1:c-format',
    '--flag=g_string_printf:2:c-format', '--flag=g_string_append_printf:2:c-format',
    '--flag=g_error_new:3:c-format', '--flag=g_set_error:4:c-format',
    '--flag=g_markup_printf_escaped:1:c-format', '--flag=g_log:3:c-format',
    '--flag=g_print:1:c-format', '--flag=g_printerr:1:c-format',
    '--flag=g_printf:1:c-format', '--flag=g_fprintf:2:c-format',
    '--flag=g_sprintf:2:c-format', '--flag=g_snprintf:3:c-format',
]


def catalogue_checks(root, listed):
    """(ok, what, details) for each catalogue of po/LINGUAS, or None
    without the gettext tools."""
    if None in [shutil.which(tool) for tool in ('xgettext', 'msgmerge', 'msgattrib', 'msgfmt')]:
        return None
    with open(os.path.join(root, 'po', 'LINGUAS'), encoding='utf-8') as f:
        languages = [word for line in f if not line.startswith('#') for word in line.split()]
    checks = []
    with tempfile.TemporaryDirectory() as work:
        pot = os.path.join(work, 'all.pot')
        subprocess.run(['xgettext', *XGETTEXT_ARGS, '--directory', root, '--output', pot,
                        *sorted(listed)], check=True)
        for language in languages:
            merged = os.path.join(work, f'{language}.po')
            subprocess.run(['msgmerge', '--quiet', '--no-fuzzy-matching', '--output-file', merged,
                            os.path.join(root, 'po', f'{language}.po'), pot], check=True)
            left = ''.join(subprocess.run(['msgattrib', option, '--no-obsolete', merged],
                                          capture_output=True, text=True, check=True).stdout
                           for option in ('--untranslated', '--only-fuzzy'))
            ids = [''.join(re.findall(r'"(.*)"', entry))
                   for entry in re.findall(r'^msgid ((?:".*"\n)+)', left, re.MULTILINE)]
            ids = [message for message in ids if message]   # not the header
            checks.append((not ids, f'po/{language}.po translates every message, none fuzzy',
                           [f'{len(ids)} messages, such as:'] + ids[:10] if ids else []))
            checked = subprocess.run(['msgfmt', '--check-format', '--output-file', os.devnull, merged],
                                     capture_output=True, text=True)
            checks.append((checked.returncode == 0,
                           f'po/{language}.po keeps the format directives of every message',
                           checked.stderr.splitlines()[:10]))
    return checks


def main():
    root = sys.argv[1]
    with open(os.path.join(root, 'po', 'POTFILES.in'), encoding='utf-8') as f:
        listed = {line.strip() for line in f if line.strip() and not line.startswith('#')}

    marked = {}
    for top in ('libsyncobj', 'examples'):
        for directory, _, files in os.walk(os.path.join(root, top)):
            for name in files:
                if not name.endswith(SUFFIXES):
                    continue
                path = os.path.join(directory, name)
                with open(path, encoding='utf-8', errors='replace') as f:
                    text = f.read()
                if MARKS.search(text):
                    marked[os.path.relpath(path, root)] = text

    checks = []
    for path in sorted(marked):
        checks.append((path in listed, f'{path} marks strings and is in po/POTFILES.in', []))
    for path in sorted(listed):
        checks.append((os.path.exists(os.path.join(root, path)), f'{path} of po/POTFILES.in exists', []))
    glued = [f'{path}: {m.group(0)}' for path, text in sorted(marked.items()) for m in GLUED.finditer(text)]
    checks.append((not glued, 'no marked string has a printf macro glued into it', glued))

    catalogues = catalogue_checks(root, [path for path in listed if os.path.exists(os.path.join(root, path))])
    if catalogues is None:
        catalogues = [(True, 'catalogues # SKIP xgettext, msgmerge, msgattrib or msgfmt not found', [])]
    checks += catalogues

    print(f'1..{len(checks)}')
    for number, (ok, what, details) in enumerate(checks, 1):
        print(f'{"ok" if ok else "not ok"} {number} - {what}')
        for line in details:
            print(f'# {line}')
    return 0 if all(ok for ok, _, _ in checks) else 1


if __name__ == '__main__':
    sys.exit(main())
