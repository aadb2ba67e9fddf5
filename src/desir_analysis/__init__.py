"""desir-analysis: cross-border (France / Belgium) observatory of the social and solidarity economy.

The package turns raw administrative files into common processed tables
(``build``), classifies codes through curated reference tables (``reference``,
``classify``, ``perimeters``), computes indicators, protects published cells and
renders the yearly studies (``reporting``).
"""

__version__ = "0.1.0"
