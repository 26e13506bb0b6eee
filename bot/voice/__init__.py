"""Voice notes: decoding audio attachments and turning speech into command text.

Channel-neutral: adapters download the bytes, ``transcribe.transcribe_attachment`` does the rest.
"""
