"""Test support code shared by the suite, the benchmarks and the fault tests."""
