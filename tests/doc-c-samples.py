#!/usr/bin/python3
# Checks the C samples of README.md, of the guides (introspection/docs/) and
# of the gi-docgen comments (libsyncobj/) against the introspection data, as
# a newcomer copies them:
#
#  - every syncobj_* function they call exists (a c:identifier of the GIR,
#    or of the GTK library's GIR when it is given);
#  - no sample frees what it does not own: `g_autoptr(T) v = f (...)` or
#    `g_autofree ... = f (...)` with f returning (transfer none) would
#    unref a singleton or free the library's own memory.
#
# Usage: doc-c-samples.py SOURCE-ROOT GIR [GIR...]
# Output is TAP, for meson test.

import glob
import os
import re
import sys
import xml.etree.ElementTree as ET

CORE = '{http://www.gtk.org/introspection/core/1.0}'
C = '{http://www.gtk.org/introspection/c/1.0}'


def read_girs(paths):
    """Returns {c identifier: transfer-ownership of its return value}."""
    functions = {}
    for path in paths:
        root = ET.parse(path).getroot()
        for tag in ('function', 'method', 'constructor'):
            for node in root.iter(CORE + tag):
                name = node.get(C + 'identifier')
                if name is None:
                    continue
                ret = node.find(CORE + 'return-value')
                functions[name] = ret.get('transfer-ownership') if ret is not None else None
    return functions


def samples(root):
    files = [os.path.join(root, 'README.md')]
    files += sorted(glob.glob(os.path.join(root, 'introspection', 'docs', '*.md')))
    for path in files:
        text = open(path, encoding='utf-8').read()
        for match in re.finditer(r'```c\n(.*?)```', text, re.S):
            line = text.count('\n', 0, match.start()) + 2
            yield os.path.relpath(path, root), line, match.group(1)
    # The samples of the gi-docgen comments, without their leading " * ".
    sources = glob.glob(os.path.join(root, 'libsyncobj', '**', '*.[ch]'), recursive=True)
    for path in sorted(sources):
        text = open(path, encoding='utf-8').read()
        for match in re.finditer(r'\n \* ```c\n(.*?)\n \* ```', text, re.S):
            line = text.count('\n', 0, match.start()) + 3
            code = '\n'.join(re.sub(r'^ \* ?', '', l) for l in match.group(1).split('\n'))
            yield os.path.relpath(path, root), line, code


def main():
    root = sys.argv[1]
    functions = read_girs(sys.argv[2:])
    checked = list(samples(root))
    print('1..%d' % len(checked))
    failed = 0
    for n, (path, line, code) in enumerate(checked, 1):
        problems = []
        for call in sorted(set(re.findall(r'\b(syncobj_\w+)\s*\(', code))):
            if call not in functions:
                problems.append('%s is no function of the library' % call)
        for match in re.finditer(r'g_auto(?:ptr\(\w+\)|free\s+\w+\s*\*?)\s*\**\s*\w+\s*=\s*(syncobj_\w+)\s*\(', code):
            call = match.group(1)
            if functions.get(call) == 'none':
                problems.append('%s returns (transfer none): the sample frees what it does not own' % call)
        if problems:
            failed += 1
            print('not ok %d - %s:%d' % (n, path, line))
            for problem in problems:
                print('# %s' % problem)
        else:
            print('ok %d - %s:%d' % (n, path, line))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
