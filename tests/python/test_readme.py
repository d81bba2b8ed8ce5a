# test_readme.py: the Python snippets of README.md and of the Python guide
# (introspection/docs/python.md) run as written
#
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The guide's persist function is exercised over real HTTP in
# test_http_persist.py; this runs the other snippets in one namespace.

from pathlib import Path

from gi.repository import Syncobj

from conftest import doc_snippets, wait_for

TOP = Path(__file__).resolve().parents[2]
README = TOP / 'README.md'
GUIDE = TOP / 'introspection' / 'docs' / 'python.md'
TESTING = TOP / 'introspection' / 'docs' / 'testing.md'


def python_snippets(path=GUIDE):
    return doc_snippets(path)


def snippet_containing(needle):
    (snippet,) = [s for s in python_snippets() if needle in s]
    return snippet


def test_readme_front_page_example_runs():
    (snippet,) = python_snippets(README)
    namespace = {}

    exec(snippet, namespace)

    todos = namespace['todos']
    assert todos.to_list() == [{'id': '1', 'title': 'Buy oat milk', 'done': True}]
    assert todos['1'].pending


def test_readme_quick_start_and_errors_run():
    namespace = {}
    exec(snippet_containing('Syncobj.test_collection_new'), namespace)
    todos = namespace['todos']
    assert [r['title'] for r in todos] == ['Buy milk', 'Walk the dog']
    assert todos['1']['done'] is True

    exec(snippet_containing('Syncobj.Error.KEY_EXISTS'), namespace)
    transaction = namespace['transaction']
    assert transaction.get_error() is None
    assert todos['1']['title'] == ''


def test_readme_merge_function_runs():
    counters, control = Syncobj.test_collection_new([{'id': 'likes', 'count': 10}],
                                                    Syncobj.Strategy.PARALLEL)
    namespace = {'counters': counters}

    exec(snippet_containing('set_merge_func'), namespace)
    counters.update('likes', {'add': 2})

    assert counters['likes']['count'] == 12


def test_readme_store_snippet_runs(tmp_path, monkeypatch):
    snippet = snippet_containing('new_with_store').replace('...\n', '')
    sync = Syncobj.Sync.new('readme-store-sync')
    mutator = Syncobj.FuncMutator.new(lambda job: job.complete())
    namespace = {'sync': sync, 'mutator': mutator}
    # Syncobj.Store.get_default() would write under $XDG_DATA_HOME.
    snippet = snippet.replace('Syncobj.Store.get_default()',
                              'Syncobj.Store.new_for_path(%r)' % str(tmp_path / 'todos.db'))

    exec(snippet, {'Syncobj': Syncobj, **namespace}, namespace)
    wait_for(lambda: True)

    assert namespace['todos'].get_store().get_path() == str(tmp_path / 'todos.db')


def test_readme_wait_callback_reports_the_failure(capsys):
    namespace = {}
    exec(snippet_containing('Syncobj.test_collection_new'), namespace)
    control = namespace['control']
    control.advance(1000)
    control.fail_next_persist_non_retriable()
    exec(snippet_containing('Syncobj.Error.KEY_EXISTS'), namespace)
    transaction = namespace['transaction']
    printed = []

    control.advance(1000)
    wait_for(lambda: printed.append(capsys.readouterr().out) or transaction.get_id() in ''.join(printed),
             control)

    assert transaction.get_state() == Syncobj.TransactionState.FAILED
    assert 'Simulated non-retriable failure' in ''.join(printed)


def server_keyed_parts(tmp_path, name):
    """A sync, a mutator whose server assigns id 7, and a store."""
    sync = Syncobj.Sync.new(name)

    def persist(job):
        mutation = job.get_transaction().get_mutations().get_item(0)
        job.set_created(mutation, dict(mutation.changes, id=7))
        job.complete()

    return {'Syncobj': Syncobj, 'sync': sync, 'mutator': Syncobj.FuncMutator.new(persist),
            'store': Syncobj.Store.new_for_path(str(tmp_path / (name + '.db')))}


def test_readme_server_keys_snippet_runs(tmp_path, capsys):
    namespace = server_keyed_parts(tmp_path, 'readme-keys')
    exec(snippet_containing('key_source=Syncobj.KeySource.SERVER'), namespace)
    todos = namespace['todos']
    wait_for(lambda: 'is now 7' in capsys.readouterr().out)
    assert todos['7'].to_dict() == {'title': 'Buy milk', 'id': 7}
    assert todos.props.store is namespace['store']


def test_readme_asynchronous_start_snippet_runs(tmp_path):
    namespace = server_keyed_parts(tmp_path, 'readme-async')
    exec(snippet_containing('new_with_properties_async'), namespace)
    wait_for(lambda: 'todos' in namespace)
    todos = namespace['todos']
    assert todos.props.key_source == Syncobj.KeySource.SERVER
    assert todos.props.store is namespace['store']


def test_testing_guide_persist_function_under_test_runs():
    (snippet,) = python_snippets(TESTING)
    namespace = {'Syncobj': Syncobj}

    exec(snippet, namespace)

    transaction = namespace['transaction']
    # The echo came: the value stays once the optimistic layer is gone.
    assert [a.get_error() is None for a in transaction.get_attempts()] == [False, False, True]
    assert namespace['todos']['1'].to_dict() == {'id': '1', 'title': 'Buy milk', 'done': True}
