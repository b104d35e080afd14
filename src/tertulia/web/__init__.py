"""The HTTP edge: FastAPI routers that parse, make one use-case call, and render."""
