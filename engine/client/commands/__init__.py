"""The ``gestalt`` commands, one module per area; each takes a ``Context`` and returns an exit code."""
