"""Alembic migrations of the service's database (a package so that it ships with the distribution)."""
