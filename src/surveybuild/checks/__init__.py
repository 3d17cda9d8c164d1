"""Checks: every cross-check of a survey -> problems, all at once. No I/O."""
