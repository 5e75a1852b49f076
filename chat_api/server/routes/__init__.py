"""HTTP routes, one module per concern; each exposes `build_router(...)` for one app."""
