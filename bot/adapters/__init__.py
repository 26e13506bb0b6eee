"""One package per chat platform: the only code that imports a chat SDK. Each declares what its
platform can do (bot/runtime/channel.py), translates its payloads into Arrivals for the turn
pipeline, renders the placed replies, and registers its routes in app.py."""
