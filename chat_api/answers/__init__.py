"""Answering: the engine being served, and the one service every channel asks through."""
