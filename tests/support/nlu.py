"""The NLU tests' fixed clock."""

from __future__ import annotations

from datetime import datetime

# The reference clock of the labelled data (docs/nlu-data.md): a Sunday, hotel time.
SUNDAY_NOON = datetime(2027, 1, 10, 12, 0)
