"""`python -m commerce_load_generator`: become Locust with the command line from the env.

The process is replaced (exec) rather than wrapped: Locust must monkey-patch with gevent before
anything else is imported, and SIGTERM then reaches Locust itself, which stops its users.
"""

from __future__ import annotations

import os
import sys

from commerce_load_generator.command import locust_argv


def main() -> None:
    argv = [sys.executable, "-m", "locust", *locust_argv(os.environ)]
    os.execv(sys.executable, argv)  # noqa: S606 - argv list, no shell; replaces this process


if __name__ == "__main__":
    main()
