"""Contributions: `surveybuild add`, GitHub annotations, and the pull-request diff summary."""
