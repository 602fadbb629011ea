"""Rules applied after the models: scope, things, public figures, profanity."""
