"""Load and speed tests of the engine and the service: perf, soak, scale and reloads."""
