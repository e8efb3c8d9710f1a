"""The JSON Schema check of changed config files, in a second process while ``serve`` builds.

``serve`` skips the check for files that passed it unchanged before (``schema_memo``). When one
has changed (an edit, or the very first start), checking it inline costs the jsonschema import
and the validation, ~0.1 s. Instead, at the first file not remembered, ``Precheck.start`` runs
``main`` in a child Python (this module's ``__main__`` too): it loads the config with the checks inline,
remembering what passes, and exits 0 only if every file it checked passed as written. The parent
builds meanwhile, as if each file passed, and asks ``passed()`` before serving; on anything but 0
it loads again with the checks inline, which reports the issues exactly as ``validate`` would.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

_TIMEOUT_S = 120.0
# The child imports this very copy of the package, whatever its working directory holds.
_PACKAGE_ROOT = str(Path(__file__).resolve().parents[2])
_CHILD = (
    "import sys; sys.path.insert(0, sys.argv.pop(1)); "
    "from engine.config.schema_precheck import main; sys.exit(main(sys.argv[1:]))"
)


class Precheck:
    def __init__(self, config_path: Path) -> None:
        self.config_path = config_path
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start the check once (further calls do nothing); the environment is this process's,
        so ``${VAR}`` expands the same way in both."""
        if self._process is not None:
            return
        self._process = subprocess.Popen(
            [sys.executable, "-c", _CHILD, _PACKAGE_ROOT, str(self.config_path)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=os.environ.copy(),
        )

    def passed(self) -> bool:
        """True when no check was needed, or the check found every changed file valid as written."""
        if self._process is None:
            return True
        try:
            return self._process.wait(timeout=_TIMEOUT_S) == 0
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
            return False


def main(argv: list[str]) -> int:
    """Child: 0 if every file checked passed its schema as written (and is now remembered)."""
    from engine.config.loader import load_partial
    from engine.config.schema_memo import SchemaMemo

    if len(argv) != 1:
        print("usage: python -m engine.config.schema_precheck CONFIG", file=sys.stderr)
        return 2
    config_path = Path(argv[0])
    memo = SchemaMemo(config_path.parent)
    load_partial(config_path, memo=memo)
    return 0 if memo.clean else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
