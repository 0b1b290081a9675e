"""Email address helpers shared by petitions and comments."""


def normalize_email(email):
    """The form used to recognise one person's address: trimmed and lower-cased.

    Dots and ``+tags`` are kept: they are meaningful on most providers, and folding them
    (as Gmail does) would merge different people's addresses elsewhere.
    """
    return (email or "").strip().lower()
