"""`tertulia serve` under cProfile, its profile written when it is stopped (uvicorn gives a
SIGTERM back to the handler that was there before it, which is this one).

    python bench/profiled.py PROFILE   (the server's settings from TERTULIA_* as usual)
"""

from __future__ import annotations

import cProfile
import signal
import sys
from types import FrameType

from tertulia.cli import app


def main() -> None:
    path = sys.argv[1]
    profile = cProfile.Profile()

    def stop(signum: int, frame: FrameType | None) -> None:
        profile.disable()
        profile.dump_stats(path)
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    sys.argv = ["tertulia", "serve"]
    profile.enable()
    app()


if __name__ == "__main__":
    main()
