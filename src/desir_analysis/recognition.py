"""The common recognition grid, for a user: ``desir_analysis.recognition.evaluate(answers)``.

The grid and its evaluation live in :mod:`desir_analysis.analysis.recognition` (the grid as data in
``reference/recognition_grid.csv``); this module is its short name.
"""

from desir_analysis.analysis.recognition import MET, NOT_EVIDENCED, NOT_MET, STATUS_FR, evaluate, recognised

__all__ = ["MET", "NOT_EVIDENCED", "NOT_MET", "STATUS_FR", "evaluate", "recognised"]
