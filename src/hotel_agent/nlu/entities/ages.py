"""Children's ages: "our 4 year old", "kids aged 5 and 8", "un niño de 7 años", "filho de 5 anos".

Runs on folded text before ages are blanked for the guest grammar (an age is never a guest count). An age
counts only next to a child word or with an explicit "year(s) old" / "años" / "anos", and only 0-17: "de 6"
alone is not an age, and "a 30 year old" is an adult.
"""

from __future__ import annotations

import re

_CHILD_WORD = (
    r"(?:kids?|child|children|sons?|daughters?|boys?|girls?|baby|babies|toddlers?|"
    r"nin[oa]s?|hij[oa]s?|nenes?|nenas?|bebes?|crianc[ao]s?|filh[oa]s?|menin[oa]s?|peques|pequenos)"
)
_NUMBER = r"\d{1,2}"
_LIST = _NUMBER + r"(?:\s*(?:,|and|y|e|&|\+)\s*" + _NUMBER + r")*"
_YEARS_OLD_EN = r"(?:years?\s*-?\s*old|yrs?\s*-?\s*old|y/?o)"
_YEARS_ES_PT = r"(?:anos|aninhos|anitos|anito)"
_AGE_INTRO = r"(?:of|de|aged?|age|who\s+is|que\s+tiene|que\s+tem|com|with|\(|,)"

# "niños de 5 y 8 años", "kids aged 5 and 8", "son of 6", "filho de 5 anos", "my son (6)"
_AFTER_CHILD = re.compile(
    r"(?<![\w])" + _CHILD_WORD + r"(?![\w])\s*" + _AGE_INTRO + r"\s*(?P<ages>" + _LIST + r")"
    r"(?![\w.,/:-]|\s*(?:noches?|nights?|noites?|de\s+[a-z]{3,}|of\s+[a-z]{3,}|[/.-]\d))"
)
# "our 4 year old", "a 6-year-old", "two kids, 5 and 8 years old", "de 7 años" (not "hace 5 años")
_YEARS_OLD = re.compile(
    r"(?<![\w.,/:-])(?P<ages>" + _LIST + r")\s*-?\s*" + _YEARS_OLD_EN + r"(?![\w])"
    r"|(?<![\w])de\s+(?P<ages2>" + _LIST + r")\s+" + _YEARS_ES_PT + r"(?![\w])"
)
_MAX_CHILD_AGE = 17
_MONTHS = re.compile(r"\s*(?:meses|months?|mes)\b")


def find_child_ages(folded: str) -> list[int]:
    """Ages of children stated in `folded` (lower-case, no accents), in the order said."""
    found: list[tuple[int, list[int]]] = []
    covered: list[tuple[int, int]] = []
    for pattern in (_AFTER_CHILD, _YEARS_OLD):
        for match in pattern.finditer(folded):
            group = "ages" if match["ages"] is not None else "ages2"
            start, end = match.span(group)
            if any(start < b and end > a for a, b in covered):
                continue
            ages = [int(n) for n in re.findall(_NUMBER, match[group])]
            if _MONTHS.match(folded, end):
                ages = [0 for _ in ages]  # "bebé de 10 meses": under a year
            if not ages or any(age > _MAX_CHILD_AGE for age in ages):
                continue
            covered.append((start, end))
            found.append((start, ages))
    found.sort()
    return [age for _, ages in found for age in ages]
