"""Plain helpers shared by the budget tests (fixtures live in conftest.py)."""

ALL_GROUPS = [
    "in_house_fostering",
    "ifa",
    "kinship",
    "internal_residential",
    "external_residential",
    "semi_independent",
    "secure_welfare",
    "secure_remand",
    "placed_with_parents",
    "other",
]


def write_csv(path, header, rows):
    path.write_text(
        "\n".join(
            [",".join(header), *[",".join("" if v is None else str(v) for v in r) for r in rows]]
        )
        + "\n"
    )
    return path
