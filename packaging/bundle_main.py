"""The desktop bundle's one program: the studio, or one of its engine processes.

The studio starts its engine processes as ``sys.executable -m MODULE REQUESTS_FD EVENTS_FD``
(:func:`engine.api.pipe.start_process`). In a PyInstaller bundle ``sys.executable`` is this
program, so ``-m MODULE`` runs that module here, from the bundle's own modules.
"""

from __future__ import annotations

import runpy
import sys


def main() -> int:
    if len(sys.argv) >= 3 and sys.argv[1] == "-m":
        module = sys.argv[2]
        sys.argv = [sys.argv[0], *sys.argv[3:]]
        runpy.run_module(module, run_name="__main__", alter_sys=True)
        return 0
    from studio.app import main as studio

    return studio()


if __name__ == "__main__":
    sys.exit(main())
