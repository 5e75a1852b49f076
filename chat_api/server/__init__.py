"""The HTTP service: the app factory, its routes, dependencies and middleware, and `govqa serve`."""
