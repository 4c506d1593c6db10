"""Blinker signals Flask-Bastion sends, so an app can react to what happens to its accounts.

Subscribe like to Flask's own signals::

    from flask_bastion.signals import security_event

    @security_event.connect_via(app)
    def alert(sender, event, **extra):
        if event.event == "account.locked":
            page_the_on_call(event)
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

#: Sent by ``record_event`` after each security event is stored, with the app as sender and
#: ``event``, a :class:`flask_bastion.audit.SecurityEvent`.
security_event = _signals.signal("security-event")
