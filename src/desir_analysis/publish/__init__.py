"""The publish stage: the study API, labels, French formatting, tables, figures, the notebook runner.

Modules: ``study`` (what notebooks call), ``plan`` (the publication plan), ``tables``,
``figures``, ``labels``, ``runner`` (papermill + nbconvert), ``templates/``.
"""
