"""Readers of raw source layouts (one module per producer).

Each reader turns one raw layout into a typed, source-shaped frame (codes as
strings), checks the layout by column *name* (extra columns are ignored, a
missing needed column is an error), and never modifies the raw file.
"""

#: Producer metadata written beside (``source.json``) or assumed for the raw files of each folder.
#: Only the Sirene and French employment folders have an entry yet; the build falls back to the
#: employment entry for every other file (a known defect: see the issue "True sources").
KNOWN_SOURCES: dict[str, dict[str, str]] = {
    "sirene": {
        "source": "sirene",
        "publisher": "INSEE",
        "title": "Base Sirene des entreprises et de leurs établissements",
        "licence": "Licence Ouverte / Open Licence 2.0",
        "vintage": "2024-01-01",
    },
    "employment": {
        "source": "employment_fr",
        "publisher": "INSEE (Flores), extrait sous convention",
        "title": "Emploi salarié par établissement au 31 décembre",
        "licence": "convention CRESS-INSEE",
        "vintage": "2015-2023",
    },
}
