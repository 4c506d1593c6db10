"""Two-factor authentication: TOTP codes from an authenticator app, and recovery codes.

- ``totp``: secrets, the ``otpauth://`` QR code, and checking a code once only;
- ``sealing``: the secrets encrypted at rest, under a key derived from ``SECRET_KEY``;
- ``recovery``: ten single-use recovery codes, stored as keyed hashes;
- ``factor``: turning two-factor on and off for a user, and checking either kind of code;
- ``login``: the second login step at ``/login/two-factor``;
- ``enrolment``: the account pages at ``/account/two-factor``, and the roles that require it.

This module imports nothing, so that ``flask_bastion.models`` can use ``table`` without a cycle.
"""
