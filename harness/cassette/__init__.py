"""The cassette: its on-disk format, file handling and credential scrubbing."""
