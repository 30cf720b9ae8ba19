"""A simulated cooperative client for the intake bot (`make simulate`, tests/test_simulation.py)."""
