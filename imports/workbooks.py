"""The XLSX template of each import KIND, for bank staff to fill in."""


def template_workbook(kind):
    """The template of `kind` as XLSX bytes."""
    raise NotImplementedError("built by the import-engine work of issue 6")
