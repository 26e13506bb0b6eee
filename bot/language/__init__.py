"""The command language: the phrases users type or say, parsed into commands and their arguments."""
