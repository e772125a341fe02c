//! Titles for the demo works, one list per collection.

pub const TIDAL: &[&str] = &[
    "Low Tide",
    "Undertow",
    "Slack Water",
    "Spring Tide",
    "Neap",
    "Swell",
    "Brine",
    "Littoral",
    "Ebb",
    "Rip Current",
    "Shoal",
    "Foam Line",
    "Kelp Light",
];

pub const ORBIT: &[&str] = &[
    "Perihelion",
    "Apoapsis",
    "Syzygy",
    "Transit",
    "Occultation",
    "Libration",
    "Eclipse Study",
    "Nodal Drift",
    "Halo Orbit",
    "Ecliptic",
    "Parallax",
    "Retrograde",
    "Umbra",
];

pub const GRIDS: &[&str] = &[
    "Quiet Grid I",
    "Quiet Grid II",
    "Switchback",
    "Labyrinth for One",
    "Meander",
    "Pathfinder",
    "Garden Plan",
    "Cloister",
    "Knot Field",
    "Courtyard",
    "Fret",
    "Long Way Round",
    "Turning Tiles",
];

pub const EMBER: &[&str] = &[
    "First Light",
    "Hearth",
    "Smoulder",
    "Afterglow",
    "Tinder",
    "Lantern Fog",
    "Kiln",
    "Cinder",
    "Banked Fire",
    "Glow Worm",
    "Sodium Night",
    "Forge",
    "Last Coal",
];
