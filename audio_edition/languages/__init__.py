"""Per-language tables, one module per concern: codes, spoken forms, site furniture, bylines,
our notes, and where sentences do not end."""
