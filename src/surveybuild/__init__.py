"""surveybuild: one YAML source for a survey's LaTeX tables and its README."""

__version__ = "0.1.0"


def package_text(name: str) -> str:
    """A data file of the package (``table.schema.json``, ``templates/preview.css``), as UTF-8 text: read beside
    this module, where an installed package keeps it (without importlib.resources and what it imports: ~6 ms
    of every build), else through importlib.resources (a package inside a zip file)."""
    from pathlib import Path

    path = Path(__file__).resolve().parent / name
    if path.is_file():
        return path.read_text("utf-8")
    from importlib import resources

    return resources.files(__name__).joinpath(name).read_text("utf-8")
