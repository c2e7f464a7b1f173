"""Litestar handlers: thin adapters between HTTP and the pipeline."""
