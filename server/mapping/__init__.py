"""The pure mapping core: payload normalisation, mapping files, compilation and evaluation.

Nothing in this package imports web, database or network code.
"""
