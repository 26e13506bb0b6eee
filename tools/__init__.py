"""Support code that is not part of the product: test servers the tests and the benchmarks share."""
