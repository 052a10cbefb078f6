"""Real servers on 127.0.0.1 for the tests and the benchmark (fixtures served from files)."""
