"""Generators of made-up data that only the tests and the benchmarks use (issue 14: kept out of
the runtime package). Importable from the repository's root, which pytest and every benchmark
put on the path; not installed with the package."""
