"""The HTTP service: routes, responses, the badge service and the ASGI app."""
