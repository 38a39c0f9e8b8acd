"""Per-language tables, one module per concern: codes, spoken forms, site furniture, bylines, our notes, sentence ends."""
