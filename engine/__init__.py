"""gestaltd: a self-hosted integration server."""

__version__ = "0.1.0"
