"""The analysis stage: pure functions on the processed tables (codes in, tidy frames out).

Modules: ``indicators``, ``models``, ``disclosure`` (statistical secrecy), ``cells`` (the
edition's shared protected cells), ``reconcile``.
"""
