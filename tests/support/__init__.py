"""Helpers shared by the tests (and the benchmarks): doubles, servers, sessions."""
