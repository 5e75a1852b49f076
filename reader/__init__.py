"""govqa's reader: a small cross-encoder that reads a question against a candidate sentence."""
