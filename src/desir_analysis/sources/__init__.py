"""Readers of raw source layouts (one module per producer).

Each reader turns one raw layout into a typed, source-shaped frame (codes as
strings), checks the layout by column *name* (extra columns are ignored, a
missing needed column is an error), and never modifies the raw file.

The producer of each raw file (publisher, licence, reference date) is reference data:
``reference/sources.csv`` (:func:`desir_analysis.reference.sources`).
"""
