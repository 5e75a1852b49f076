"""State shared by replicas through Redis, and the in-process stand-ins used without it."""
