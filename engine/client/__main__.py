"""``python -m engine.client``: the same as the ``gestalt`` command."""

from __future__ import annotations

from engine.client.cli import main

raise SystemExit(main())
