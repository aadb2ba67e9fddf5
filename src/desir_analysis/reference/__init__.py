"""Curated reference tables shipped as package data, and their loaders.

Every table is a CSV file in this folder with a ``source`` or ``rule`` column
saying where each line comes from. Loaders return fresh copies (callers may
modify them) with codes as strings and flags as booleans.

Tables:
    legal_forms.csv: national legal-form code -> ESS family, public-sector flag, rule.
    perimeter_membership.csv: one row per perimeter × legal form that belongs to it
        (``yes``, ``if_ess_flag`` or ``if_approved``; a form absent is not a member).
    sectors.csv: NACE Rév. 2 / Rév. 2.1 class -> common ESS sector group.
    sector_groups.csv: sector group codes, order and labels (FR, NL).
    activity_exclusions.csv: NACE prefixes excluded from the ESS field.
    perimeters.csv: named, versioned perimeters, their countries, whether they apply the
        activity exclusions, and for a composite perimeter its ``components``
        (``FR=insee|BE=concertes``: each country by its own definition).
    zones.csv: the study zones (name, labels, description).
    territories.csv: FR départements / BE arrondissements (and commune
        exceptions) -> NUTS 2021 -> the zones they belong to (``zones``: names joined by ``|``).
    commune_changes.csv: Belgian NIS codes changed in 2019 and 2025.
    personal_services.csv: codes and joint committees of the personal-services field.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache

import pandas as pd

from desir_analysis import config

PERIMETER_VALUES = ("yes", "no", "if_ess_flag", "if_approved")
#: Indicators a target of the development plan may follow (``objectifs.csv``), with their French names.
PLAN_INDICATORS = {
    "postes_coeur": "Postes du champ des services à la personne (cœur)",
    "postes_personnes_agees": "Postes de l'aide à domicile aux personnes âgées et handicapées",
    "couverture_75": "Postes de l'aide à domicile pour 1 000 personnes de 75 ans ou plus",
}
#: Age groups of the development plan's assumptions (``plan_hypotheses.csv``): ages [min, max], None = open.
PLAN_AGE_GROUPS: dict[str, tuple[int, int | None]] = {
    "60-64": (60, 64),
    "65-69": (65, 69),
    "70-74": (70, 74),
    "75-79": (75, 79),
    "80-84": (80, 84),
    "85-89": (85, 89),
    "90+": (90, None),
}
ESS_FAMILIES = (
    "association",
    "cooperative",
    "mutual",
    "foundation",
    "other_nonprofit",
    "ess_company",
    "non_ess",
    "unknown",
)


@cache
def _read(name: str) -> pd.DataFrame:
    with (config.REFERENCE_DIR / name).open("r", encoding="utf-8") as fh:
        frame = pd.read_csv(fh, dtype="string", keep_default_na=False)
    return frame


def _bools(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    for col in columns:
        values = frame[col].str.lower()
        bad = ~values.isin(["true", "false"])
        if bad.any():
            raise ValueError(f"reference column {col!r}: expected true/false, got {values[bad].iloc[0]!r}")
        frame[col] = values.eq("true").astype("boolean")
    return frame


def load_table(name: str) -> pd.DataFrame:
    """Return a copy of a reference table by file name (e.g. ``"sectors.csv"``)."""
    return _read(name).copy()


def legal_forms() -> pd.DataFrame:
    """Legal forms of both countries with family, public-sector flag, and one column per base perimeter.

    The perimeter columns (``yes`` | ``no`` | ``if_ess_flag`` | ``if_approved``) are built from
    ``perimeter_membership.csv`` (a form absent from a perimeter's rows is ``no``).
    """
    lf = _bools(load_table("legal_forms.csv"), ["public_sector"])
    m = perimeter_membership()
    for name in base_perimeters():
        rows = m[m["perimeter"] == name]
        rule = dict(zip(zip(rows["country"], rows["legal_form"], strict=True), rows["membership"], strict=True))
        lf[name] = pd.Series(
            [rule.get(k, "no") for k in zip(lf["country"], lf["code"], strict=True)], index=lf.index, dtype="string"
        )
    return lf


def perimeter_membership() -> pd.DataFrame:
    """The legal forms of each base perimeter: perimeter, country, legal_form, membership.

    Raises:
        ValueError: an unknown perimeter, a membership other than yes / if_ess_flag / if_approved,
            or a legal form listed twice for a perimeter.
    """
    m = load_table("perimeter_membership.csv")
    bad = ~m["membership"].isin(PERIMETER_VALUES[:1] + PERIMETER_VALUES[2:])
    if bad.any():
        raise ValueError(f"perimeter_membership.csv: membership {m.loc[bad, 'membership'].iloc[0]!r} not allowed")
    unknown = set(m["perimeter"]) - set(base_perimeters())
    if unknown:
        raise ValueError(f"perimeter_membership.csv: perimeter(s) {sorted(unknown)} not in perimeters.csv")
    dup = m.duplicated(["perimeter", "country", "legal_form"])
    if dup.any():
        raise ValueError(f"perimeter_membership.csv: {m.loc[dup].iloc[0].to_dict()} listed twice")
    return m


def sectors() -> pd.DataFrame:
    """NACE classes (``NACE2``, ``NACE21`` and ``NACE11`` = NACE Rév. 1.1 of NACE-BEL 2003) -> sector group."""
    return load_table("sectors.csv")


def sector_groups() -> pd.DataFrame:
    """Sector groups in publication order, with French and Dutch labels."""
    t = load_table("sector_groups.csv")
    t["order"] = t["order"].astype("Int64")
    return t.sort_values("order", ignore_index=True)


def activity_exclusions() -> pd.DataFrame:
    """NACE prefixes (division or class) excluded from the ESS field, with the reason.

    ``nomenclature``: the NACE versions a prefix applies to (``NACE2|NACE21`` or ``NACE11``).
    """
    return load_table("activity_exclusions.csv")


def perimeters() -> pd.DataFrame:
    """Named perimeters: version, countries, exclusion rule, components (composite ones), labels."""
    return _bools(load_table("perimeters.csv"), ["applies_activity_exclusions"])


def components(name: str) -> dict[str, str]:
    """Country -> base perimeter of a composite perimeter (``{}`` for a base perimeter).

    ``national`` = ``FR=insee|BE=concertes``: France by INSEE's definition, Belgium by ConcertES'.
    """
    row = perimeters().set_index("perimeter").loc[name]
    text = str(row.get("components", "") or "")
    return dict(part.split("=", 1) for part in text.split("|") if part)


def base_perimeters() -> list[str]:
    """The perimeters defined by their own legal forms (not composites), in file order."""
    p = perimeters()
    return list(p.loc[p["components"].fillna("").eq(""), "perimeter"])


def perimeter_names() -> list[str]:
    """Every named perimeter, base and composite, in file order (the ``--perimeter`` choices)."""
    return list(perimeters()["perimeter"])


def zones() -> pd.DataFrame:
    """The study zones: zone, label_fr, label_short_fr, label_nl, description, source (file order)."""
    return load_table("zones.csv")


def zone_names() -> list[str]:
    """Names of the study zones (the ``--zone`` choices)."""
    return list(zones()["zone"])


def editions_offered() -> pd.DataFrame:
    """The editions published every year (zone, perimeter, description).

    Protected together with any other edition rendered for the year, so that a cell has one status in
    all of them (ARCHITECTURE §5).

    Raises:
        ValueError: a zone or a perimeter that ``zones.csv`` / ``perimeters.csv`` does not name.
    """
    e = load_table("editions.csv")
    for col, known in (("zone", zone_names()), ("perimeter", perimeter_names())):
        bad = ~e[col].isin(known)
        if bad.any():
            raise ValueError(f"editions.csv: unknown {col} {e.loc[bad, col].iloc[0]!r}; expected one of {known}")
    return e


def territories() -> pd.DataFrame:
    """Territories (FR départements, BE arrondissements, commune exceptions) -> NUTS -> zones.

    ``zones`` lists the zones of each territory (``|``); one boolean column ``zone_<name>`` per
    zone of ``zones.csv`` is derived from it, and ``in_any_zone`` (the territories the build keeps).
    """
    t = load_table("territories.csv")
    members = t["zones"].fillna("").str.split("|")
    for z in zone_names():
        t[f"zone_{z}"] = members.map(lambda zs, z=z: z in zs).astype(bool)
    unknown = set(members.explode()) - set(zone_names()) - {""}
    if unknown:
        raise ValueError(f"territories.csv: zone(s) {sorted(unknown)} not in zones.csv")
    t["in_any_zone"] = t["zones"].fillna("").ne("")
    return t


def commune_changes() -> pd.DataFrame:
    """Belgian commune code changes (old NIS code -> current NIS code)."""
    return load_table("commune_changes.csv")


def personal_services() -> pd.DataFrame:
    """Activity codes and joint committees defining the personal-services field."""
    return load_table("personal_services.csv")


PLAN_PROTECTIONS = ("shared", "local")
PLAN_YEARS = ("edition", "series")


def publication_plan() -> pd.DataFrame:
    """The publication plan: every breakdown of protected cells that an edition may publish.

    One row per table: ``table`` (measure, e.g. ``ess_jobs``), ``population`` (``ess``,
    ``all``, ``private``…), ``breakdown`` (columns joined by ``|``), ``value``,
    ``years`` (``edition`` = the edition year; ``series`` = every year of the evolution),
    ``protection`` (``shared``: protected together for every document of the edition,
    :mod:`desir_analysis.analysis.cells`; ``local``: protected by its study alone),
    ``documents`` and ``rule``. The study API refuses a protected table outside it.
    """
    plan = _read("publication_plan.csv").copy()
    for col, allowed in (("protection", PLAN_PROTECTIONS), ("years", PLAN_YEARS)):
        bad = ~plan[col].isin(allowed)
        if bad.any():
            raise ValueError(
                f"publication_plan.csv: {col} must be one of {allowed}, got {plan.loc[bad, col].iloc[0]!r}"
            )
    key = plan["table"] + "|" + plan["breakdown"] + "|" + plan["years"]
    if key.duplicated().any():
        raise ValueError(f"publication_plan.csv: duplicated entry {key[key.duplicated()].iloc[0]!r}")
    return plan


SOURCE_TOPICS = ("register", "employment", "population", "projection", "plan", "survey")


def sources() -> pd.DataFrame:
    """The source kinds: which raw files each covers and who produces them (``sources.csv``).

    One row per kind (``sirene_stock``, ``employment_fr``, ``kbo``, ``statbel_population``…):
    ``pattern`` (a glob on the path under ``data/raw/``, first match wins), ``topic``
    (``register``, ``employment``, ``population`` observed, ``projection``, ``plan``: which
    captions credit it),
    ``publisher``, ``title``, ``credit`` (the words of a caption's source line), ``licence``,
    ``access``, ``reference`` (the reference date of its figures), ``measure`` (what it gives)
    and ``url``.

    Raises:
        ValueError: a duplicated kind or an unknown topic.
    """
    s = load_table("sources.csv")
    if s["kind"].duplicated().any():
        raise ValueError(f"sources.csv: duplicated kind {s.loc[s['kind'].duplicated(), 'kind'].iloc[0]!r}")
    bad = ~s["topic"].isin(SOURCE_TOPICS)
    if bad.any():
        raise ValueError(f"sources.csv: topic must be one of {SOURCE_TOPICS}, got {s.loc[bad, 'topic'].iloc[0]!r}")
    return s


def source_kind(path: str) -> str:
    """The source kind of a raw file from its path under ``data/raw/`` (first pattern of ``sources.csv`` that matches).

    ``fr/sirene/StockEtablissementHistorique_utf8.csv`` -> ``sirene_history``;
    ``be/kbo/2024-01-01/enterprise.csv`` -> ``kbo``; a path no pattern matches -> ``""``.
    """
    from fnmatch import fnmatchcase

    posix = str(path).replace("\\", "/")
    table = _read("sources.csv")
    return next((k for k, p in zip(table["kind"], table["pattern"], strict=True) if fnmatchcase(posix, p)), "")


def glossary() -> pd.DataFrame:
    """The words of the trade (``glossary.csv``): one term per concept, its country, definition and source.

    Columns: ``term`` (identifier), ``country`` (``FR``, ``BE`` or empty for both), ``label_fr``,
    ``label_nl``, ``definition``, ``source``. The pages use ``label_fr``; ``desir_analysis.publish.labels``
    reads its measure words from here.
    """
    return load_table("glossary.csv")


def term(name: str, country: str = "") -> str:
    """The French label of a glossary term for a country (the country's own row, else the common one).

    Raises:
        KeyError: a term the glossary does not define.
    """
    g = _read("glossary.csv")
    rows = g[g["term"].eq(name)]
    mine = rows[rows["country"].eq(country)] if country else rows[rows["country"].eq("")]
    if mine.empty:
        mine = rows[rows["country"].eq("")]
    if mine.empty:
        raise KeyError(f"glossary.csv: no term {name!r} (country {country or 'commun'})")
    return str(mine["label_fr"].iloc[0])


def breaks() -> pd.DataFrame:
    """The series breaks (``breaks.csv``): a source, nomenclature or definition that changes in a year.

    One row per break: ``series`` (``employment_fr``, ``activity_fr``, ``activity_be``,
    ``legal_forms_be``, ``territory_be``), ``country``, ``first_year`` (first year of the new series),
    ``label`` (short, for the pages), ``affects`` (what an evolution across it would mislead:
    ``jobs`` the job counts themselves, ``sector`` the breakdowns by sector, ``territory`` the
    breakdowns by commune), ``before``, ``after`` (the versions, as the build records them in each
    year's ``provenance.json``), ``what_changes``, ``comparable`` (bool: whether an evolution may
    straddle it) and ``documentation`` (the producer's). The evolutions start after a
    non-comparable break (:mod:`desir_analysis.analysis.breaks`).

    Raises:
        ValueError: a year that is not a number, ``comparable`` not yes / no, ``affects`` unknown.
    """
    b = load_table("breaks.csv")
    bad = ~b["first_year"].str.fullmatch(r"\d{4}")
    if bad.any():
        raise ValueError(f"breaks.csv: first_year must be a year, got {b.loc[bad, 'first_year'].iloc[0]!r}")
    wrong = ~b["comparable"].isin(["yes", "no"])
    if wrong.any():
        raise ValueError(f"breaks.csv: comparable must be yes or no, got {b.loc[wrong, 'comparable'].iloc[0]!r}")
    unknown = ~b["affects"].isin(BREAK_AFFECTS)
    if unknown.any():
        got = b.loc[unknown, "affects"].iloc[0]
        raise ValueError(f"breaks.csv: affects must be one of {BREAK_AFFECTS}, got {got!r}")
    b["first_year"] = b["first_year"].astype("int64")
    b["comparable"] = b["comparable"].eq("yes").astype(bool)
    return b.sort_values(["country", "series", "first_year"], ignore_index=True)


#: What a series break affects (``breaks.csv``, column ``affects``).
BREAK_AFFECTS = ("jobs", "sector", "territory")


def versions_in_force(year: int, countries: Iterable[str]) -> dict[str, str]:
    """The version of each series of ``breaks.csv`` in force at 31 December of ``year``, for ``countries``.

    ``after`` of the latest break whose ``first_year`` is at most ``year``, else ``before`` of the
    earliest: ``versions_in_force(2016, ["FR"])["employment_fr"]`` is CLAP's label, 2017 Flores'.
    """
    b = breaks()
    out = {}
    for series, rows in b[b["country"].isin(list(countries))].groupby("series", sort=True):
        past = rows[rows["first_year"] <= year]
        out[str(series)] = str(past["after"].iloc[-1] if len(past) else rows["before"].iloc[0])
    return out


def csa_forms_in_force(year: int) -> bool:
    """Whether Belgian companies are read in their form under the 2019 companies code at 31 December of ``year``.

    From the first year of the ``legal_forms_be`` break of ``breaks.csv`` (2020: the code applies to
    existing companies from 1 January 2020).
    """
    first = break_year("legal_forms_be")
    return first is not None and year >= first


def break_year(series: str) -> int | None:
    """The first year of the earliest break of ``series`` in ``breaks.csv`` (``None`` when it has none)."""
    b = breaks()
    first = b.loc[b["series"].eq(series), "first_year"]
    return int(first.min()) if len(first) else None


#: The tests a recognition criterion may apply to an answer (``recognition_grid.csv``, column ``test``).
RECOGNITION_TESTS = ("in", "ge")


def recognition_items() -> pd.DataFrame:
    """The questions of the common recognition grid (``recognition_items.csv``), in order.

    Columns: ``item`` (identifier, also the survey's question id), ``order``, ``type`` (``choice`` or
    ``number``), ``modalities`` (``code=label|…`` for a choice), ``label_fr``, ``label_nl``, ``source``.
    """
    t = load_table("recognition_items.csv")
    t["order"] = t["order"].astype("int64")
    return t.sort_values("order", ignore_index=True)


def recognition_grid() -> pd.DataFrame:
    """The principles of the common recognition grid and their criteria (``recognition_grid.csv``).

    One row per criterion: ``principle``, ``order``, labels, ``item`` (a question of
    :func:`recognition_items`), ``test`` (``in``: the answer is one of ``value``'s codes joined by ``|``;
    ``ge``: the number is at least ``value``), ``met_fr`` / ``failed_fr`` (why, in French), ``source`` (the law).

    Raises:
        ValueError: an unknown test or item, or a code that is not one of the item's modalities.
    """
    g = load_table("recognition_grid.csv")
    g["order"] = g["order"].astype("int64")
    items = recognition_items().set_index("item")
    for row in g.itertuples(index=False):
        if row.test not in RECOGNITION_TESTS:
            raise ValueError(f"recognition_grid.csv: test must be one of {RECOGNITION_TESTS}, got {row.test!r}")
        if row.item not in items.index:
            raise ValueError(f"recognition_grid.csv: item {row.item!r} is not in recognition_items.csv")
        if row.test == "in":
            codes = {m.split("=", 1)[0] for m in items.loc[row.item, "modalities"].split("|")}
            unknown = set(row.value.split("|")) - codes
            if unknown:
                raise ValueError(f"recognition_grid.csv: {row.item} has no modality {sorted(unknown)}")
    return g.sort_values(["order", "principle"], kind="stable", ignore_index=True)


def modalities(text: str) -> dict[str, str]:
    """``"1=Oui|2=Non"`` -> ``{"1": "Oui", "2": "Non"}`` (a code without label is its own label).

    The layout of the modalities in ``recognition_items.csv`` and in a questionnaire's codebook.
    """
    out = {}
    for part in (p for p in str(text).split("|") if p.strip()):
        code, _, label = part.partition("=")
        out[code.strip()] = (label or code).strip()
    return out
