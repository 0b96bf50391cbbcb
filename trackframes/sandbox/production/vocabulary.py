"""Static data of the generated production: its value lists, pipeline and names.

The values a field may take (:data:`DEPARTMENTS`, :data:`ASSET_TYPES`,
:data:`PRIORITIES`...), the pipeline's steps (:data:`STEPS`), people's and
projects' names, odds and weights of the random choices and review-note texts.
Everything here is tracker-neutral; each protocol renders it in its own words.

>>> [s.name for s in STEPS if s.applies_to == "asset"]
['Model', 'Rig', 'Surface', 'Lookdev']
>>> DEPARTMENTS[0], len(ARTIST_DEPARTMENTS)
('Production', 6)
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import accumulate

__all__ = [
    "ARTIST_DEPARTMENTS",
    "ASSET_NAMES",
    "ASSET_TYPES",
    "ASSET_TYPE_CUM",
    "ASSET_TYPE_WEIGHTS",
    "CLIENT_STEPS",
    "COUNTRIES",
    "DEPARTMENTS",
    "DEPARTMENT_CUM",
    "FIRST_NAMES",
    "LAST_NAMES",
    "LEFT",
    "LOG_PHRASES",
    "MAX_DELAY",
    "MEDIA_HOST",
    "MINUTES_PER_DAY",
    "NOTE_BODIES",
    "NOTE_PREFIX",
    "NOTE_TYPES",
    "NOTE_TYPE_CUM",
    "OVERRUN",
    "PLACES",
    "PRIORITIES",
    "PRIORITY_CUM",
    "PROJECT_STATUSES",
    "PROJECT_TITLES",
    "PROJECT_TYPES",
    "RIG_ODDS",
    "SHOT_STEP_ODDS",
    "SHOT_TEMPLATES",
    "SHOT_TYPES",
    "SHOT_TYPE_CUM",
    "SLIPS",
    "SLIP_CUM",
    "STEPS",
    "StepSpec",
    "TAGS",
    "VENDOR_SPECIALTIES",
    "VENDOR_WORDS",
    "cumulative",
]


#: Length of a working day in minutes: task durations are working days × this.
MINUTES_PER_DAY = 8 * 60

# -- the values fields take ---------------------------------------------------

#: Departments: people belong to one; each artist department has a group of its people.
DEPARTMENTS: tuple[str, ...] = (
    "Production", "Layout", "Animation", "FX", "Lighting", "Compositing", "Assets",
)
ASSET_TYPES: tuple[str, ...] = ("Character", "Prop", "Environment", "Vehicle", "FX", "Matte Painting")
SHOT_TYPES: tuple[str, ...] = ("Plate + CG", "Full CG", "Plate Only", "Retime")
PROJECT_TYPES: tuple[str, ...] = ("Feature", "Episodic", "Commercial", "Game Cinematic", "Music Video")
PROJECT_STATUSES: tuple[str, ...] = ("Bidding", "Active", "Delivered", "Lost")
PRIORITIES: tuple[str, ...] = ("Low", "Medium", "High", "Urgent")
NOTE_TYPES: tuple[str, ...] = ("Internal", "Client", "Director", "Supervisor")
COUNTRIES: tuple[str, ...] = ("Canada", "France", "Germany", "India", "New Zealand", "United Kingdom", "United States")

# -- static production data -------------------------------------------------


def cumulative(weights: tuple[float, ...]) -> tuple[float, ...]:
    """Cumulative weights, for the generator's weighted choices."""
    return tuple(accumulate(weights))


@dataclass(frozen=True)
class StepSpec:
    """One pipeline step: its name, abbreviation, the kind of record its tasks
    belong to (``"shot"`` or ``"asset"``), its department, its place in the
    pipeline, its colour (``"r,g,b"``), its bid range in days and a description."""

    name: str
    short_name: str
    applies_to: str
    department: str
    list_order: int
    color: str
    bid_days: tuple[float, float]
    description: str


#: The pipeline, in order. Shot tasks run Matchmove → … → Comp; asset tasks Model → … → Lookdev.
STEPS: tuple[StepSpec, ...] = (
    StepSpec("Model", "MOD", "asset", "Assets", 10, "95,150,220", (3, 9), "Modeling of the asset geometry."),
    StepSpec("Rig", "RIG", "asset", "Assets", 20, "150,110,210", (2, 7), "Rigging for animation."),
    StepSpec("Surface", "SRF", "asset", "Assets", 30, "210,140,70", (2, 7), "Texturing and shading."),
    StepSpec("Lookdev", "LKD", "asset", "Lighting", 40, "230,200,80", (1.5, 5), "Look development."),
    StepSpec("Matchmove", "MM", "shot", "Layout", 50, "120,120,120", (1, 4), "Camera and object tracking."),
    StepSpec("Layout", "LAY", "shot", "Layout", 60, "70,170,170", (1.5, 5), "Camera, staging and set dressing."),
    StepSpec("Animation", "ANM", "shot", "Animation", 70, "90,190,90", (3, 11), "Character and vehicle animation."),
    StepSpec("FX", "FX", "shot", "FX", 80, "220,110,60", (3, 9), "Simulations: destruction, smoke, water."),
    StepSpec("Lighting", "LGT", "shot", "Lighting", 90, "240,210,60", (2, 7), "Lighting and rendering."),
    StepSpec("Roto", "RTO", "shot", "Compositing", 100, "200,90,150", (1, 3.5), "Rotoscoping and paint."),
    StepSpec("Comp", "CMP", "shot", "Compositing", 110, "220,60,60", (2, 6), "Compositing and final output."),
)

#: Chance that a shot gets a task of each shot step.
SHOT_STEP_ODDS: dict[str, float] = {
    "Matchmove": 0.9, "Layout": 1.0, "Animation": 1.0, "FX": 0.75, "Lighting": 1.0, "Roto": 0.9, "Comp": 1.0,
}
#: Chance that an asset gets a Rig task, by asset type (other asset steps are always there).
RIG_ODDS: dict[str, float] = {"Character": 1.0, "Vehicle": 1.0, "Prop": 0.5}

ARTIST_DEPARTMENTS: tuple[str, ...] = ("Layout", "Animation", "FX", "Lighting", "Compositing", "Assets")
DEPARTMENT_CUM = cumulative((1.0, 2.0, 1.0, 1.5, 2.0, 1.5))
#: Share of each department's people who have left the studio (disabled accounts).
LEFT = 0.08
#: How each step's finished work came in against its bid, on average (FX sims are the usual overrun).
OVERRUN: dict[str, float] = {"FX": 1.16, "Animation": 1.05, "Lighting": 1.02, "Comp": 0.97, "Roto": 0.93,
                              "Layout": 0.95, "Matchmove": 0.92, "Model": 1.0, "Rig": 1.03, "Surface": 0.98,
                              "Lookdev": 1.04}

FIRST_NAMES: tuple[str, ...] = (
    "Ada", "Bruno", "Chloe", "Dmitri", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jonas",
    "Kavya", "Liam", "Maya", "Nikolai", "Olivia", "Pablo", "Qi", "Rosa", "Samir", "Tessa",
    "Umar", "Vera", "Wen", "Ximena", "Yusuf", "Zoe", "Aiko", "Ben", "Carmen", "Diego",
    "Emil", "Freya", "Gustavo", "Hana", "Ivan", "Julia", "Kofi", "Lena", "Marco", "Nadia",
)
LAST_NAMES: tuple[str, ...] = (
    "Abara", "Berg", "Castillo", "Dubois", "Eriksen", "Fontaine", "Garcia", "Hoffmann", "Ito", "Jensen",
    "Kowalski", "Lindqvist", "Moreau", "Nakamura", "Okafor", "Petrov", "Quinn", "Rossi", "Schmidt", "Tanaka",
    "Ueda", "Varga", "Walsh", "Xu", "Yilmaz", "Zimmer", "Almeida", "Brennan", "Chen", "Da Silva",
    "Evans", "Fischer", "Gupta", "Haddad", "Iyer", "Jovanovic", "Kim", "Laurent", "Mendes", "Novak",
)
PROJECT_TITLES: tuple[str, ...] = (
    "Copper Sky", "Hollow Pines", "Starling", "Tidebreaker", "Quiet Giants", "Blue Meridian",
    "Lanterns", "Northbound", "Wildwood", "Paper Moons", "Ember Road", "Glasswing",
    "The Long Orbit", "Saltwater", "Iron Tide", "Last Light Express",
)
VENDOR_WORDS: tuple[tuple[str, ...], tuple[str, ...]] = (
    ("Pixel", "Frame", "Lumen", "North", "Iron", "Blue", "Silver", "Red", "Atlas"),
    ("Forge", "Works", "Labs", "Foundry", "Studios", "Garden", "Yard", "House"),
)
ASSET_NAMES: dict[str, tuple[str, ...]] = {
    "Character": ("hero", "villain", "sidekick", "captain", "robot", "dragon", "fox", "pilot", "guard", "child"),
    "Prop": ("lantern", "sword", "map", "compass", "crate", "radio", "key", "bottle", "book", "helmet"),
    "Environment": ("harbor", "forest", "city", "canyon", "station", "village", "cave", "rooftop"),
    "Vehicle": ("airship", "truck", "boat", "train", "glider", "rover"),
    "FX": ("smoke", "fire", "rain", "sparks", "dust", "splash"),
    "Matte Painting": ("skyline", "mountains", "sunset", "ruins"),
}
ASSET_TYPE_WEIGHTS: tuple[float, ...] = (3, 4, 2, 1, 1, 0.5)  # order of ASSET_TYPES
ASSET_TYPE_CUM = cumulative(ASSET_TYPE_WEIGHTS)
SHOT_TYPE_CUM = cumulative((5, 2, 2, 1))  # order of SHOT_TYPES
PRIORITY_CUM = cumulative((1, 6, 2, 0.5))  # order of PRIORITIES
SLIPS: tuple[int, ...] = (0, 1, 2, 4)  # schedule slack beyond the bid, in days (never less than the bid)
SLIP_CUM = cumulative((7, 2, 1, 0.5))
MAX_DELAY = 10  # working days a task's start may move for someone to have room for it
VENDOR_SPECIALTIES: tuple[str, ...] = ("shots", "assets", "roto and paint", "matchmove")
CLIENT_STEPS: tuple[str, ...] = ("Comp", "Animation", "Lookdev")  # steps whose final versions go to the client
TAGS: tuple[str, ...] = ("dailies", "client", "blocking", "polish", "timing", "continuity", "tech-check", "urgent")
PLACES: tuple[str, ...] = ("the harbor", "the forest", "the control room", "the rooftop", "the canyon", "the market")
SHOT_TEMPLATES: tuple[str, ...] = (
    "Wide establishing shot of {place}.", "Close-up on the {char} reacting.",
    "Tracking shot following the {char} through {place}.",
    "Over-the-shoulder as the {char} turns.", "Insert of the {prop}.", "Crane down into {place}.",
)
NOTE_BODIES: tuple[str, ...] = (
    "Timing feels late on the turn; pull the anticipation a few frames earlier.",
    "Edges chatter on the roto around the hair, please tighten.",
    "Love the light direction, push the rim a touch warmer.",
    "Client asked for less motion blur on the fast pan.",
    "Contact shadows are missing under the feet.",
    "Please match the grade to the previous shot in the cut.",
    "Approved for the next department, minor notes only.",
    "The simulation looks too thick, aim for thinner smoke.",
    "Check the plate stabilisation before the next pass.",
    "Silhouette reads well now, moving on to polish.",
)
LOG_PHRASES: tuple[str, ...] = (
    "first pass", "blocking", "polish", "fixes from dailies", "tech check", "client notes", "renders", "review prep",
)
NOTE_PREFIX: dict[str, str] = {
    "Internal": "Dailies", "Client": "Client review", "Director": "Director review", "Supervisor": "Supervisor notes",
}
NOTE_TYPE_CUM = cumulative((5, 2, 1, 2))  # order of NOTE_TYPES
MEDIA_HOST = "https://media.example.com"
