"""Helpers shared by the test suite: a browser-like client, forms, users and services."""
