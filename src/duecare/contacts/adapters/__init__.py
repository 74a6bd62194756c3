"""Channel adapters: one abstract base per capability (`base.py`), each implementation in its own module."""
