"""Credentials: password hashing (argon2) and random tokens; storage of both is in :mod:`indexer.storage.accounts`."""
