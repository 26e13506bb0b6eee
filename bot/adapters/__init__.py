"""One package per chat platform: the only code that imports a chat SDK. Each translates its
platform's payloads to neutral messages and renders the replies, and registers its routes."""
