"""Other systems' ways in: the Perspective-compatible API, Coral's moderation phase, and their keys and usage."""
