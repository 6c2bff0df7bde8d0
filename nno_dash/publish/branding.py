"""Branding for exported charts: the agency's name, colours and optional logo.

Read from a small TOML file named by NNO_BRANDING (settings.branding_path), or
`branding.toml` beside the project if there is one; defaults otherwise. Colours are checked
for WCAG AA contrast on white, so a brand colour cannot make a title unreadable.

    agency_name = "Springfield Police Department"
    primary_colour = "#0B3D91"    # titles and the rule above them
    accent_colour = "#E69F00"     # the highlighted series (this period)
    logo = "logo.png"             # PNG, JPEG or SVG; relative to this file
    source = "{agency} records system; outreach log"   # optional; default per language
"""

from __future__ import annotations

import base64
import re
import tomllib
from dataclasses import dataclass, replace
from pathlib import Path

from nno_dash.core.settings import PROJECT_ROOT, Settings

DEFAULT_FILE = PROJECT_ROOT / "branding.toml"
HEX = re.compile(r"^#[0-9a-fA-F]{6}$")
LOGO_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".svg": "image/svg+xml",
}
MAX_LOGO_BYTES = 2_000_000
# What exports say when no name is on record or configured: never another agency's name.
UNNAMED_AGENCY = "Agency name not set"
AA_TEXT = 4.5  # WCAG AA contrast for normal text


def _luminance(colour: str) -> float:
    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: str, b: str = "#ffffff") -> float:
    """WCAG contrast ratio of two #rrggbb colours (1 to 21)."""
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


@dataclass(frozen=True)
class Branding:
    agency_name: str = "Demo City Police Department"
    primary_colour: str = "#1f2933"
    accent_colour: str = "#E69F00"
    logo: Path | None = None
    source: str = ""  # empty: the default wording in the export's language (i18n)

    def __post_init__(self) -> None:
        for name in ("primary_colour", "accent_colour"):
            value = getattr(self, name)
            if not HEX.match(value):
                raise ValueError(f"branding {name} must be a colour like #0B3D91, got {value!r}")
        if contrast(self.primary_colour) < AA_TEXT:
            raise ValueError(
                f"branding primary_colour {self.primary_colour} has contrast "
                f"{contrast(self.primary_colour):.1f}:1 on white; titles need {AA_TEXT}:1 (WCAG AA)"
            )
        if contrast(self.accent_colour) < 1.5:
            raise ValueError(f"branding accent_colour {self.accent_colour} is too pale to see")
        if self.logo is not None:
            if self.logo.suffix.lower() not in LOGO_TYPES:
                raise ValueError(f"branding logo must be PNG, JPEG or SVG: {self.logo}")
            if not self.logo.is_file():
                raise ValueError(f"branding logo not found: {self.logo}")
            if self.logo.stat().st_size > MAX_LOGO_BYTES:
                raise ValueError(f"branding logo is over {MAX_LOGO_BYTES // 1_000_000} MB")

    def custom_source(self) -> str:
        """The agency's own source wording, or "" for the language's default."""
        return self.source.format(agency=self.agency_name) if self.source else ""

    def logo_uri(self) -> str | None:
        """The logo as a data: URI, so the renderer needs no file access."""
        if self.logo is None:
            return None
        data = base64.b64encode(self.logo.read_bytes()).decode("ascii")
        return f"data:{LOGO_TYPES[self.logo.suffix.lower()]};base64,{data}"


def load(path: Path | None) -> Branding:
    """Branding from a TOML file; defaults when `path` is None or the default file is absent."""
    if path is None:
        return Branding()
    with path.open("rb") as f:
        raw = tomllib.load(f)
    known = {"agency_name", "primary_colour", "accent_colour", "logo", "source"}
    unknown = set(raw) - known
    if unknown:
        raise ValueError(f"unknown branding settings in {path}: {', '.join(sorted(unknown))}")
    if "logo" in raw:
        logo = Path(raw["logo"])
        raw["logo"] = logo if logo.is_absolute() else path.parent / logo
    return Branding(**raw)


def for_settings(settings: Settings, agency_on_record: str | None = None) -> Branding:
    """The branding in force: the settings file if any, with the agency name on record
    (in the database), else NNO_AGENCY_NAME, when the file does not name one."""
    path = settings.branding_path or (DEFAULT_FILE if DEFAULT_FILE.is_file() else None)
    brand = load(path)
    named_in_file = path is not None and "agency_name" in tomllib.loads(path.read_text("utf-8"))
    if not named_in_file:
        name = agency_on_record or settings.agency_name or UNNAMED_AGENCY
        brand = replace(brand, agency_name=name)
    return brand
