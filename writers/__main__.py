# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The child process of ProcessWriter: ``python -m writers FD``."""

import sys

from .process import serve

serve(int(sys.argv[1]), sys.stdin.buffer, sys.stdout.buffer)
