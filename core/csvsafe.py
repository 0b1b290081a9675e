"""CSV cells that spreadsheets will not execute (CSV/formula injection, OWASP)."""

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")


def safe_cell(value):
    """Return ``value`` as text, prefixed with ``'`` when a spreadsheet would read a formula."""
    if value is None:
        return ""
    text = str(value)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def safe_row(values):
    return [safe_cell(value) for value in values]
