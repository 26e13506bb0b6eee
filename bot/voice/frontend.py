"""pocketsphinx's own front end (PCM -> 13 cepstra per 10 ms frame), called through its C API.

Voice learning needs the very frames the decoder scores. The Python binding computes them
inside ``process_raw`` and keeps them; its library exports the front end, so we run the same
code with the same settings and hand the cepstra to ``process_cep``: a note decoded either way
gives the same words (tests/voice/test_adaptation.py checks it).
"""

from __future__ import annotations

import ctypes
import functools
import json
from collections.abc import Mapping
from typing import Any

import numpy as np

from bot.voice.audio_format import SAMPLE_RATE

CEPSTRA = 13
_Block = ctypes.POINTER(ctypes.POINTER(ctypes.c_float))


@functools.cache
def _library() -> ctypes.CDLL:
    from pocketsphinx import _pocketsphinx  # the extension module is the library

    library = ctypes.CDLL(_pocketsphinx.__file__)
    library.ps_config_parse_json.restype = ctypes.c_void_p
    library.ps_config_parse_json.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
    library.ps_config_free.argtypes = [ctypes.c_void_p]
    library.fe_init_auto_r.restype = ctypes.c_void_p
    library.fe_init_auto_r.argtypes = [ctypes.c_void_p]
    library.fe_process_utt.restype = ctypes.c_int
    library.fe_process_utt.argtypes = [
        ctypes.c_void_p,
        ctypes.c_void_p,
        ctypes.c_size_t,
        ctypes.POINTER(_Block),
        ctypes.POINTER(ctypes.c_int32),
    ]
    library.ckd_free_2d.argtypes = [ctypes.c_void_p]
    library.fe_free.argtypes = [ctypes.c_void_p]
    return library


def cepstra(pcm: bytes, model_settings: Mapping[str, Any], decoder_settings: Mapping[str, Any]) -> np.ndarray:
    """(frames, 13) float32 cepstra of 16 kHz mono PCM. ``model_settings``: the acoustic model's
    ``feat.params`` (filter bank, lifter, noise removal); ``decoder_settings``: ours (dither and
    its seed, the frequency warp), which win, as they do in the decoder."""
    library = _library()
    settings = {"samprate": SAMPLE_RATE, **model_settings, **decoder_settings}
    config = library.ps_config_parse_json(None, json.dumps(settings).encode())
    if not config:
        raise ValueError("pocketsphinx refused the front end's settings")
    try:
        front_end = library.fe_init_auto_r(config)
        if not front_end:
            raise ValueError("pocketsphinx could not start its front end")
        try:
            samples = np.frombuffer(pcm, "<i2")
            block = _Block()
            frames = ctypes.c_int32()
            if library.fe_process_utt(front_end, samples.ctypes.data, len(samples), block, frames) < 0:
                raise ValueError("pocketsphinx's front end failed on this audio")
            try:
                if frames.value <= 0:
                    return np.zeros((0, CEPSTRA), np.float32)
                return np.ctypeslib.as_array(block[0], shape=(frames.value, CEPSTRA)).copy()
            finally:
                library.ckd_free_2d(ctypes.cast(block, ctypes.c_void_p))
        finally:
            library.fe_free(front_end)
    finally:
        library.ps_config_free(config)


def model_settings(feat_params: str) -> dict[str, Any]:
    """The front-end lines of a model's ``feat.params`` ("-lowerf 130" ...), as config values."""
    wanted = {"lowerf": float, "upperf": float, "nfilt": int, "transform": str, "lifter": int}
    settings: dict[str, Any] = {}
    for line in feat_params.splitlines():
        name, _, value = line.strip().lstrip("-").partition(" ")
        if name in wanted:
            settings[name] = wanted[name](value.strip())
        elif name == "remove_noise":
            settings[name] = value.strip() in ("yes", "true")
    return settings
