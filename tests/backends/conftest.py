"""Backend parametrisation: every route, skipped with its reason when unavailable.

`SITEPLAN_REQUIRE_BACKENDS=highs,pulp-cbc,...` (CI sets all five) turns such a skip into a
failure, so a broken install cannot pass as "skipped" (see backend_support.require_or_skip).
"""

from __future__ import annotations

import pytest
from backend_support import require_or_skip

from siteplan.backends.registry import ROUTES


@pytest.fixture(params=list(ROUTES))
def backend(request) -> str:
    require_or_skip(request.param)
    return request.param


