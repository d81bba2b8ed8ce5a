#!/usr/bin/python3
# Checks the floor plan of CONTRIBUTING.md: the library's files call each
# other's private (_syncobj_*) functions in no circle larger than the
# engine's collection <-> transaction <-> sync.
#
# The graph comes from `nm` on the static library: a file calls another
# when one of its undefined symbols is defined there.  A concept is a file
# together with the files named after it (syncobj-view-maintain.c belongs
# to syncobj-view.c); ENGINE and PARTS below name the rest.  Calls inside
# one concept may go both ways; every strongly connected set of files must
# lie within one concept, or within the engine.
#
# Usage: call-graph.py LIBSYNCOBJ-STATIC.a [--verbose] [--public]
#   --public also counts calls of public functions (type checks, getters),
#   and only reports: the public API may be called from anywhere.
# Output is TAP, for meson test.

import collections
import os
import subprocess
import sys

ENGINE = ('syncobj-collection', 'syncobj-transaction', 'syncobj-sync')
# Files that carry part of another file's type under a name of their own.
PARTS = {
    'syncobj-http-feed': 'syncobj-http-sync',
    'syncobj-http-snapshot': 'syncobj-http-sync',
}


def read_archive(path):
    """Returns {file stem: (defined symbols, undefined symbols)}."""
    out = subprocess.run(['nm', path], capture_output=True, text=True,
                         check=True).stdout
    files = {}
    current = None
    for line in out.splitlines():
        if line.endswith('.o:'):
            stem = os.path.basename(line[:-len('.c.o:')]).rsplit('_', 1)[-1]
            current = files.setdefault(stem, (set(), set()))
            continue
        fields = line.split()
        if current is None or not fields:
            continue
        if len(fields) == 3 and fields[1] in 'TDBR':
            current[0].add(fields[2])
        elif len(fields) == 2 and fields[0] == 'U':
            current[1].add(fields[1])
    return files


def concept_of(stem, stems):
    if stem in PARTS:
        return PARTS[stem]
    for engine in ENGINE:
        if stem == engine or stem.startswith(engine + '-'):
            return 'engine'
    best = stem
    for other in stems:
        if stem.startswith(other + '-') and len(other) < len(best):
            best = other
    return best


def call_graph(files, public):
    owner = {}
    for stem, (defined, _) in files.items():
        for symbol in defined:
            owner[symbol] = stem
    graph = collections.defaultdict(set)
    for stem, (_, undefined) in files.items():
        for symbol in undefined:
            callee = owner.get(symbol)
            if callee is None or callee == stem:
                continue
            if public or symbol.startswith('_syncobj_'):
                graph[stem].add(callee)
    return graph


def strongly_connected(nodes, graph):
    """Tarjan's algorithm, iterative."""
    index, low, on_stack, stack, result = {}, {}, set(), [], []
    counter = 0
    for root in nodes:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, edges = work[-1]
            advanced = False
            for nxt in edges:
                if nxt not in index:
                    index[nxt] = low[nxt] = counter
                    counter += 1
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(sorted(graph[nxt]))))
                    advanced = True
                    break
                if nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                result.append(sorted(component))
    return result


def main():
    args = [a for a in sys.argv[1:] if not a.startswith('--')]
    verbose = '--verbose' in sys.argv
    public = '--public' in sys.argv
    if len(args) != 1:
        sys.exit(__doc__ or 'usage: call-graph.py LIBSYNCOBJ-STATIC.a')
    files = read_archive(args[0])
    stems = sorted(files)
    graph = call_graph(files, public)
    circles = [c for c in strongly_connected(stems, graph) if len(c) > 1]
    print('1..1')
    bad = []
    for circle in circles:
        concepts = sorted({concept_of(s, stems) for s in circle})
        if len(concepts) > 1:
            bad.append(circle)
        if verbose or len(concepts) > 1:
            print('# circle of %d files (%s): %s'
                  % (len(circle), ', '.join(concepts), ' '.join(circle)))
            for stem in circle:
                print('#   %s -> %s' % (stem, ' '.join(
                    sorted(c for c in graph[stem] if c in circle))))
    if bad and not public:
        print('not ok 1 - private calls form a circle across concepts')
        return 1
    print('ok 1 - no circle of private calls across concepts (%d files)'
          % len(stems))
    return 0


if __name__ == '__main__':
    sys.exit(main())
