"""The LaTeX of a survey's fields, shared by readers, checks and renderers: what a ``latex`` cell may hold and
what it means (:mod:`.latextext`), how plain text is escaped and what each engine can typeset
(:mod:`.escape`), and each engine's fonts (:mod:`.fonts`). Nothing here reads or writes a file of the survey.
"""
