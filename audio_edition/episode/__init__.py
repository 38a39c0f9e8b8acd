"""The episode as a file: tags (mutagen), sidecars, cover art, names and GUIDs."""
