# test_durations.py: every duration property is in milliseconds, and says so
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import re

from gi.repository import GObject, Syncobj

# Property names that hold a duration.
DURATION = re.compile(r'(^|-)(timeout|delay|interval)$')


def duration_properties():
    found = []
    for name in dir(Syncobj):
        cls = getattr(Syncobj, name)
        if not isinstance(cls, type) or not issubclass(cls, GObject.Object):
            continue
        for pspec in GObject.list_properties(cls.__gtype__):
            if pspec.owner_type == cls.__gtype__ and DURATION.search(pspec.name):
                found.append((cls.__gtype__.name, pspec))
    return found


def test_the_sweep_finds_the_known_durations():
    names = {(owner, pspec.name) for owner, pspec in duration_properties()}
    assert {('SyncobjRetryPolicy', 'initial-delay'),
            ('SyncobjRetryPolicy', 'max-delay'),
            ('SyncobjFuncMutator', 'echo-timeout'),
            ('SyncobjHttpMutator', 'timeout'),
            ('SyncobjHttpMutator', 'sync-timeout'),
            ('SyncobjHttpSync', 'timeout'),
            ('SyncobjHttpSync', 'poll-interval'),
            ('SyncobjHttpSync', 'reconnect-delay')} <= names


def test_every_duration_property_says_milliseconds_in_its_blurb():
    missing = ['%s:%s' % (owner, pspec.name) for owner, pspec in duration_properties()
               if 'milliseconds' not in (pspec.blurb or '')]
    assert missing == []


def test_http_timeouts_are_milliseconds():
    mutator = Syncobj.HttpMutator.new('http://127.0.0.1:1/items')
    sync = Syncobj.HttpSync.new('python-durations', 'http://127.0.0.1:1/items', None)

    assert mutator.props.timeout == 30000
    assert sync.props.timeout == 30000
    mutator.props.timeout = 1500
    sync.set_timeout(250)
    assert mutator.get_timeout() == 1500
    assert sync.props.timeout == 250
