"""Benchmarks and scale tools for PostgreSQL (see README, section "Benchmarks")."""
