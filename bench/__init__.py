"""Benchmarks: the price of Flask-Bastion's protections against bare Flask and its peers.

``make bench`` runs :mod:`bench.run`; the apps compared live in :mod:`bench.apps`.
"""
