"""Where ../shared is (the sample plans, gold transcriptions and real national figures).

Tests import these names from here, never from ``conftest``: with a conftest.py in
several folders of tests/, which one the module name ``conftest`` means depends on
the order in which pytest collected them.
"""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("HEALTHPLAN_SHARED", REPO.parent / "shared"))
NO_SHARED = "../shared (sample plans and gold transcriptions) not found beside the repository"
