"""Storage: the cache, scratch folders, atomic staging of output files, and reading the files users name."""
