"""The password hasher of the test suite (tests/conftest.py): PBKDF2-SHA256 as in
production, with one iteration instead of a million.

The production hasher spends ~0.33 s of CPU per hash by design; every `agent`,
`admin_user` and `outsider` fixture hashes a password and every `client.login` checks one,
which made password hashing most of the CPU time of the database tests. The tests prove
what the code does with passwords (set, checked, rejected, throttled), not the iteration
count, and live servers started by tests keep the production hasher."""

from __future__ import annotations

from django.contrib.auth.hashers import PBKDF2PasswordHasher


class OneIterationPBKDF2PasswordHasher(PBKDF2PasswordHasher):
    iterations = 1
