"""Voice notes: decoding audio attachments and turning speech into command text.

Channel-neutral: adapters download the bytes, ``transcribe.hear_attachment`` does the rest.
"""
