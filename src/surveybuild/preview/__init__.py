"""The local preview: the README as GitHub shows it, beside the PDF, rebuilt on save."""
