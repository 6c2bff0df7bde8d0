"""The fictional city's names: its agency, neighbourhoods, cafes, venues and partners."""

from __future__ import annotations

AGENCY = "Demo City Police Department"
SOURCE = "demo"  # the source tag of every row the generator writes

HOOD_NAMES = (
    "Oak Park Hill", "Millbrook", "Cedar Heights", "Westport Junction", "Foxhall",
    "Linden Park", "Quarry Hill", "Bluestem", "Prairie View", "Old Mill", "Union Yards",
    "Elmwood", "Sycamore Flats", "Mission Gardens", "Northgate", "South Fairmount",
    "Brickyard", "Kensington Heights", "Ashland Square", "Walnut Grove", "Copper Ridge",
    "Hawthorne", "Dover Crossing", "Maple Leaf", "Stockyards", "Fairview", "Belmont Park",
    "Pioneer Square", "Birchwood", "Highland Ridge", "Sunset Hill", "Clover Meadows",
    "Ironworks", "Rosedale", "Greystone", "Meadowlark", "Willow Bend", "Prospect Heights",
    "Garfield Park", "Orchard Glen", "Tanner's Row", "Summit Terrace", "Liberty Square",
    "Hollister", "Chestnut Hill", "Larkspur", "Carver Heights", "Juniper Flats",
)  # fmt: skip
WATER_NAMES = (
    "Riverside", "Harbor Bend", "Riverview", "Ferry Landing", "Mill Creek", "Levee Park",
    "Bridgeport", "Wharf District", "Waterworks", "Cottonwood Bottoms",
)  # fmt: skip
CAFES = (
    "Daily Grind Coffee", "Bean There Cafe", "Sunrise Bakery", "Java Junction", "Corner Cup",
    "Main Street Diner", "Perk Place", "Two Rivers Roasters", "Hometown Donuts",
    "The Grounds Keeper", "Copper Kettle Diner", "Prairie Perk", "Steamboat Coffee Co.",
    "Mugs & Muffins", "Union Depot Cafe", "Blue Heron Coffee", "Kolache Corner",
    "Second Shift Coffee", "Honeycomb Bakery", "Railyard Espresso", "Lucky Penny Diner",
    "Crossroads Coffee", "Pecan Street Pancakes", "Brick Oven Bagels",
)  # fmt: skip
VENUE_KINDS = (
    "{name} Community Center", "{name} Branch Library", "{name} Park pavilion",
    "{name} Elementary School gym", "{name} Baptist Church hall", "St. Mark's Parish hall",
    "{name} Senior Center", "{name} Recreation Center",
)  # fmt: skip
CITY_ORGS = (
    "Demo City Public Library", "Heartland Boys & Girls Club", "YMCA of Demo City",
    "United Way of Demo County", "Faith Leaders Coalition", "Neighborhood Housing Services",
    "Demo City Parks & Recreation", "Eastside Food Pantry", "Rotary Club of Demo City",
    "Demo City Public Schools", "Big Brothers Big Sisters", "Mothers Against Violence",
    "Local Business Alliance", "Demo City Fire Department",
)  # fmt: skip
JOB_PARTNERS = (
    "Second Chance Workforce Alliance", "Metro Community College", "Demo County Reentry Council",
    "Demo City Workforce Center", "Heartland Builders Union",
)  # fmt: skip
NNO_UNITS = (
    ("Patrol", 0.95), ("K9", 0.45), ("Mounted", 0.12), ("SWAT", 0.15), ("Bomb squad", 0.06),
    ("Crime prevention", 0.7), ("Fire department", 0.4),
)  # fmt: skip


def ordinal(n: int) -> str:
    """1ST, 2ND, 3RD, 4TH, ... 11TH, 12TH, 13TH, 21ST."""
    suffix = "TH" if 10 <= n % 100 <= 20 else {1: "ST", 2: "ND", 3: "RD"}.get(n % 10, "TH")
    return f"{n}{suffix}"


def district_name(number: int) -> str:
    """A police district's name: "1st District"."""
    return f"{ordinal(number).lower()} District"
