"""The one PCM format the voice pipeline speaks: 16 kHz mono signed 16-bit little endian.

What pocketsphinx's en-us model and Azure's push stream both take. Kept apart from ``decode``
so that the recognition worker process can know it without importing PyAV.
"""

SAMPLE_RATE = 16000
BYTES_PER_SAMPLE = 2
