"""Internals of the sample-programme generator; the public entry point is
:mod:`recommender.data.generate`."""
