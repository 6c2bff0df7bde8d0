"""Settings: one small dataclass read from NNO_* environment variables, with safe defaults.

The UI layer may overlay values from `st.secrets`; nothing here imports Streamlit.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DB = PROJECT_ROOT / "data" / "nno.duckdb"

# environment variable -> (field, type)
_ENV: dict[str, tuple[str, type]] = {
    "NNO_DB": ("db_path", Path),
    "NNO_MAP_STYLE": ("map_style", str),
    "NNO_AGENCY_NAME": ("agency_name", str),
    "NNO_SUPPRESSION_THRESHOLD": ("suppression_threshold", int),
    "NNO_DEMO_INCIDENTS": ("demo_incidents", int),
    "NNO_BRANDING": ("branding_path", Path),
}


@dataclass(frozen=True)
class Settings:
    db_path: Path = DEFAULT_DB
    # "white-bg" draws with no network; tiled styles ("carto-positron" and friends) draw
    # nothing at all, polygons included, when their server cannot be reached.
    map_style: str = "white-bg"
    # the agency's name where the database has none on record (`python -m nno_dash agency`)
    agency_name: str = ""
    suppression_threshold: int = 3
    demo_incidents: int = 300_000
    # exported charts' agency name, colours and logo (nno_dash.publish.branding); None: defaults
    branding_path: Path | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Defaults overridden by whichever NNO_* variables are set; bad values say which."""
        env = os.environ if env is None else env
        settings = cls()
        for name, (field_name, kind) in _ENV.items():
            raw = env.get(name, "").strip()
            if not raw:
                continue
            try:
                value = kind(raw)
            except ValueError:
                raise ValueError(f"{name} must be a whole number, got {raw!r}") from None
            settings = replace(settings, **{field_name: value})
        if settings.suppression_threshold < 3:
            raise ValueError("NNO_SUPPRESSION_THRESHOLD may be raised above 3, never lowered")
        return settings
