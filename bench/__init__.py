"""Benchmarks (see README.md). A package so that gunicorn can load `bench.settings`; pytest
does not collect it (`norecursedirs` in pyproject.toml)."""
