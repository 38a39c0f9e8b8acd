"""The text stages: cleanup, duplicates, language, spoken forms, and the script of utterances."""
