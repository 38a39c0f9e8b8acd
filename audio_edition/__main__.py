from audio_edition.cli import main

main()
