"""Natural-language understanding: language, intent and entities of a guest message."""
