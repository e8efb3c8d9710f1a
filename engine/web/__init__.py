"""Web stage: the Litestar application. Surfaces turn HTTP requests into broker invocations.

Compiled operations become one lean ASGI route each; everything else is ordinary Litestar handlers.
"""
