"""Agency-style block addresses on the demo city's fictional street grid."""

from __future__ import annotations

import numpy as np
import pandas as pd

from nno_dash.demo.names import ordinal

STREET_SPACING_M = 400.0
BLOCK_M = 200.0

# North-south avenues, then east-west streets; the numbered streets lie south.
_AVENUE_NAMES = (
    "ADAMS", "BALSAM", "CALHOUN", "DEARBORN", "EMERSON", "FRANKLIN", "GRANT", "HARRISON",
    "IRVING", "JACKSON", "KEOKUK", "LINCOLN", "MADISON", "NEWTON", "OSAGE", "PIERCE",
    "QUINCY", "RANDOLPH", "SHERIDAN", "TYLER", "UNION", "VAN BUREN", "WASHINGTON", "YATES",
    "ASHBY", "BROOKS", "COLFAX", "DOUGLAS", "ELLIOTT", "FULTON", "GARFIELD", "HAMILTON",
    "JEFFERSON", "KENWOOD", "LAWRENCE", "MONROE", "NORWOOD", "OGDEN", "PARK", "REED",
)  # fmt: skip
_STREET_NAMES = (
    "ELM", "OAK", "MAPLE", "WALNUT", "CHERRY", "HICKORY", "LOCUST", "PINE", "SPRUCE",
    "CEDAR", "BIRCH", "LINDEN", "POPLAR", "SYCAMORE", "CHESTNUT", "BUCKEYE", "HAZEL",
    "JUNIPER", "LAUREL", "MULBERRY", "ASPEN", "CYPRESS", "HOLLY", "MAGNOLIA", "WILLOW",
)  # fmt: skip


def block_addresses(x: np.ndarray, y: np.ndarray) -> pd.Categorical:
    """Agency-style block addresses ("012XX W ELM ST") on a fictional street grid.

    North-south avenues and east-west streets every 400 m, MAIN ST and CENTRAL AVE as the
    base lines, 100 house numbers per 200 m; each point takes the nearest street.
    """
    kx = np.round(x / STREET_SPACING_M).astype(int)
    ky = np.round(y / STREET_SPACING_M).astype(int)
    on_ns = np.abs(x - kx * STREET_SPACING_M) <= np.abs(y - ky * STREET_SPACING_M)
    line = np.where(on_ns, kx, ky)
    positive = np.where(on_ns, y >= 0, x >= 0)
    block = np.floor(np.where(on_ns, np.abs(y), np.abs(x)) / BLOCK_M).astype(int)
    key = ((on_ns * 1000 + line + 500) * 2 + positive) * 1000 + block
    _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    labels = []
    for i in first:
        if on_ns[i]:
            k = line[i]
            street = "MAIN ST" if k == 0 else f"{_AVENUE_NAMES[k % len(_AVENUE_NAMES)]} AVE"
            prefix = "N" if positive[i] else "S"
        else:
            k = line[i]
            if k == 0:
                street = "CENTRAL AVE"
            elif k > 0:
                street = f"{_STREET_NAMES[(k - 1) % len(_STREET_NAMES)]} ST"
            else:
                street = f"{ordinal(-k)} ST"
            prefix = "E" if positive[i] else "W"
        labels.append(f"{block[i]:03d}XX {prefix} {street}")
    # Distinct keys can share a label when a name list wraps round; categories must be unique.
    labels_arr = np.array(labels, dtype=object)
    names, codes = np.unique(labels_arr, return_inverse=True)
    return pd.Categorical.from_codes(codes[inverse.ravel()], categories=names.tolist())
