"""Learning a user's voice from their own voice notes: speaker adaptation of the acoustic model,
MLLR then MAP, the two methods CMU Sphinx documents for it.

pocketsphinx's en-us model was trained on people; a voice far from them (the robotic espeak-ng
ones of the benchmark, a strong accent, a poor microphone) is misheard the same way every time.
Each note whose command the user let run (or confirmed with a tap) is aligned with the words it
turned out to say, and each frame's fit to the model's Gaussians is summed into ``VoiceStats``.
From those sums the model's means are adapted (one linear map per feature stream, then each
often-heard Gaussian toward what it heard), and the decoder loads them as its means file.
Held-out numbers are in bench/VOICE.md ("Learning the user's voice").

Plain NumPy: the model files are read here (pocketsphinx's own formats), the audio side
(cepstra, alignment) is the recognizer's (``offline.Recognizer.learn``). What is kept per user
is sums over frames, not audio: nothing said can be played back or read from them.
"""

from __future__ import annotations

import base64
import functools
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

STREAMS, DIMENSIONS = 3, 13  # the en-us model: cepstra, deltas, double deltas; 13 each
EXTENDED = DIMENSIONS + 1  # a mean with a leading 1, so the solved row holds the bias too
# Pulls each solved row toward "change nothing", as if that many frames had fitted the model
# exactly: a few notes move the means only a little. Chosen on dev clips (bench/VOICE.md): 0,
# 30 and 100 scored 48, 47 and 46 of 60 espeak-ng clips; 30 is the safer of the close two.
RIDGE = 30.0
# Older notes count less (a new microphone, a cold): after about 50 notes the oldest weigh a third.
DECAY = 0.98
MIN_NOTES = 3  # below this the model is used as it is
# ln of a mixture weight is -value * 2**10 * ln(1.0001): pocketsphinx's 8-bit senone dump.
MIXW_SCALE = 1024 * np.log(1.0001)
SILENT = ("SIL", "+NSN+", "+SPN+")  # silence and noise say nothing about the voice
MAGIC = b"AVV2"
# MAP: a Gaussian's mean moves halfway to what it heard once it explained this many frames.
# Chosen on dev clips (bench/VOICE.md): 2, 5, 10 and 20 scored 109, 110, 107 and 106 of 120.
MAP_WEIGHT = 5.0
# MAP sums of Gaussians heard less than this (in frames) are not stored: they would barely move.
# On dev clips 0.05 and 0.5 scored 105 and 107 of 120; 0.5 halves the record (about 170 kB).
KEPT = 0.5
CODEBOOKS, DENSITIES = 42, 128  # the en-us model's phonetically tied mixtures
GAUSSIANS = (CODEBOOKS, STREAMS, DENSITIES)
GAUSSIAN_COUNT = CODEBOOKS * STREAMS * DENSITIES


@dataclass(frozen=True)
class AcousticModel:
    """The parts of a phonetically tied mixture model that adaptation needs."""

    means: np.ndarray  # (codebooks, STREAMS, densities, DIMENSIONS)
    variances: np.ndarray  # same shape
    log_weights: np.ndarray  # (STREAMS, densities, senones): ln of each senone's mixture weights
    phones: tuple[str, ...]  # the CI phones, in codebook order

    @classmethod
    @functools.cache
    def load(cls, directory: Path) -> AcousticModel:
        means = _read_gaussians(directory / "means")
        variances = np.maximum(_read_gaussians(directory / "variances"), 1e-4)
        phones = _read_phones(directory / "mdef")
        if means.shape != (*GAUSSIANS, DIMENSIONS) or len(phones) != CODEBOOKS:
            raise ValueError(f"{directory} is not pocketsphinx's phonetically tied en-us model")
        log_weights = _read_log_weights(directory / "sendump", means.shape[2])
        return cls(means, variances, log_weights, tuple(phones))


class VoiceStats:
    """Sums over the frames of a user's notes, enough to adapt the model to them in two steps.

    MLLR (one linear map of the means per stream): per stream and dimension ``i``, G_i = sum of
    posterior/variance_i * xi xi' and k_i = sum of posterior/variance_i * o_i * xi, where xi is a
    Gaussian's mean with a leading 1 (Leggetter and Woodland's estimate for diagonal covariances).
    MAP (each Gaussian on its own, where the notes say enough about it): its occupancy and the
    posterior-weighted sum of the frames it explained (Gauvain and Lee), with the posteriors of
    the model as adapted when the note was learned. MLLR moves every mean a little from few
    notes; MAP then moves the often-heard ones the rest of the way."""

    def __init__(
        self,
        g: np.ndarray | None = None,
        k: np.ndarray | None = None,
        notes: float = 0.0,
        occupancy: np.ndarray | None = None,
        first: np.ndarray | None = None,
    ) -> None:
        self.g = np.zeros((STREAMS, DIMENSIONS, EXTENDED, EXTENDED)) if g is None else g
        self.k = np.zeros((STREAMS, DIMENSIONS, EXTENDED)) if k is None else k
        self.notes = notes
        self.occupancy = np.zeros(GAUSSIANS) if occupancy is None else occupancy
        self.first = np.zeros((*GAUSSIANS, DIMENSIONS)) if first is None else first

    @property
    def ready(self) -> bool:
        """Enough notes to adapt the model (``MIN_NOTES``, counted as they decay)."""
        return self.notes >= MIN_NOTES * DECAY**MIN_NOTES

    def learned(self, note: VoiceStats) -> VoiceStats:
        """These sums with one more note's, the older ones weighed down by ``DECAY``."""
        return VoiceStats(
            self.g * DECAY + note.g,
            self.k * DECAY + note.k,
            self.notes * DECAY + note.notes,
            self.occupancy * DECAY + note.occupancy,
            self.first * DECAY + note.first,
        )

    def transform(self) -> np.ndarray | None:
        """(STREAMS, DIMENSIONS, EXTENDED): per row the bias then the row of A, so that an adapted
        mean is A mean + b. None until the stats are ``ready``."""
        if not self.ready:
            return None
        rows = np.empty((STREAMS, DIMENSIONS, EXTENDED))
        identity = np.eye(EXTENDED)
        for stream in range(STREAMS):
            for i in range(DIMENSIONS):
                prior = identity[1 + i]  # the row of "change nothing"
                rows[stream, i] = np.linalg.solve(
                    self.g[stream, i] + RIDGE * identity, self.k[stream, i] + RIDGE * prior
                )
        return rows if np.isfinite(rows).all() else None

    def adapted_means(self, model: AcousticModel) -> np.ndarray | None:
        """The model's means adapted to this voice: MLLR, then MAP toward what the notes heard
        (a Gaussian seen for ``MAP_WEIGHT`` frames moves halfway). None until ``ready``."""
        rows = self.transform()
        if rows is None:
            return None
        means = mllr_means(model.means, rows)
        heard = self.occupancy[..., None]
        return (MAP_WEIGHT * means + self.first) / (MAP_WEIGHT + heard)

    def to_text(self) -> str:
        """Compact: the MLLR sums exact (float64, G's upper triangles only: it is symmetric); of
        the MAP sums only the Gaussians heard at all (``KEPT``), occupancy as float32 and the mean
        frame each explained as float16 (cepstra need no more)."""
        upper = np.triu_indices(EXTENDED)
        exact = np.concatenate([[self.notes], self.g[..., upper[0], upper[1]].ravel(), self.k.ravel()])
        occupancy = self.occupancy.ravel()
        kept = np.flatnonzero(occupancy > KEPT)
        heard = occupancy[kept]
        mean = self.first.reshape(-1, DIMENSIONS)[kept] / heard[:, None]
        parts = [
            MAGIC,
            exact.astype("<f8").tobytes(),
            struct.pack("<I", len(kept)),
            kept.astype("<u2").tobytes(),
            heard.astype("<f4").tobytes(),
            mean.astype("<f2").tobytes(),
        ]
        return base64.b64encode(b"".join(parts)).decode("ascii")

    @classmethod
    def from_text(cls, text: str) -> VoiceStats:
        """The inverse of ``to_text``; ValueError for anything else (a damaged or foreign record)."""
        try:
            raw = base64.b64decode(text.encode("ascii"), validate=True)
        except (ValueError, UnicodeEncodeError) as error:
            raise ValueError("not a voice record") from error
        upper = np.triu_indices(EXTENDED)
        triangle = len(upper[0])
        exact = 1 + STREAMS * DIMENSIONS * (triangle + EXTENDED)
        at = len(MAGIC) + 8 * exact
        if not raw.startswith(MAGIC) or len(raw) < at + 4:
            raise ValueError("not a voice record")
        (count,) = struct.unpack_from("<I", raw, at)
        at += 4
        if count > GAUSSIAN_COUNT or len(raw) != at + count * (2 + 4 + 2 * DIMENSIONS):
            raise ValueError("not a voice record")
        values = np.frombuffer(raw, "<f8", exact, len(MAGIC)).astype(np.float64)
        kept = np.frombuffer(raw, "<u2", count, at).astype(np.int64)
        heard = np.frombuffer(raw, "<f4", count, at + 2 * count).astype(np.float64)
        mean = np.frombuffer(raw, "<f2", count * DIMENSIONS, at + 6 * count).astype(np.float64)
        if (
            not np.isfinite(values).all()
            or values[0] < 0
            or (kept >= GAUSSIAN_COUNT).any()
            or len(np.unique(kept)) != count
            or not (np.isfinite(heard) & (heard > 0)).all()
            or not np.isfinite(mean).all()
        ):
            raise ValueError("not a voice record")
        g = np.zeros((STREAMS, DIMENSIONS, EXTENDED, EXTENDED))
        packed = values[1 : 1 + STREAMS * DIMENSIONS * triangle].reshape(STREAMS, DIMENSIONS, triangle)
        g[..., upper[0], upper[1]] = packed
        g[..., upper[1], upper[0]] = packed
        k = values[1 + STREAMS * DIMENSIONS * triangle :].reshape(STREAMS, DIMENSIONS, EXTENDED)
        occupancy = np.zeros(GAUSSIAN_COUNT)
        occupancy[kept] = heard
        first = np.zeros((GAUSSIAN_COUNT, DIMENSIONS))
        first[kept] = mean.reshape(count, DIMENSIONS) * heard[:, None]
        return cls(g, k, float(values[0]), occupancy.reshape(GAUSSIANS), first.reshape(*GAUSSIANS, DIMENSIONS))


def mllr_means(means: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """``means`` (codebooks, STREAMS, densities, DIMENSIONS) mapped by a transform's ``rows``."""
    adapted = np.empty_like(means)
    for stream in range(STREAMS):
        adapted[:, stream] = means[:, stream] @ rows[stream, :, 1:].T + rows[stream, :, 0]
    return adapted


def means_file(model_directory: Path, means: np.ndarray) -> bytes:
    """A sphinx means file like the model's own, holding ``means``. Its checksum line is left out
    (pocketsphinx checks a checksum only when the header announces one)."""
    original = (model_directory / "means").read_bytes()
    at = original.index(b"endhdr\n") + len(b"endhdr\n")
    header = original[:at].replace(b"chksum0 yes\n", b"")
    counts = original[at : at + 4 + 12 + 4 * STREAMS + 4]  # byte order, sizes, stream lengths, total
    return header + counts + means.astype("<f4").tobytes()


def features(cepstra: np.ndarray) -> np.ndarray:
    """(frames, 39) from (frames, 13), as pocketsphinx's ``1s_c_d_dd`` with batch CMN: the whole
    note's mean taken off, then deltas over +-2 frames and double deltas over +-3, the first and
    last frames repeated at the edges."""
    normal = cepstra - cepstra.mean(axis=0)
    frames = len(normal)
    padded = np.concatenate([np.repeat(normal[:1], 3, 0), normal, np.repeat(normal[-1:], 3, 0)])

    def shifted(by: int) -> np.ndarray:
        return padded[3 + by : 3 + by + frames]

    deltas = shifted(2) - shifted(-2)
    double = (shifted(3) - shifted(-1)) - (shifted(1) - shifted(-3))
    return np.concatenate([normal, deltas, double], axis=1)


def note_stats(
    model: AcousticModel,
    frames: np.ndarray,
    senones: np.ndarray,
    phones: list[str],
    adapted: np.ndarray | None = None,
) -> VoiceStats:
    """One note's sums: ``frames`` (n, 39) features, ``senones`` and ``phones`` the state and CI
    phone each frame was aligned to (-1 / "" where none). ``adapted``: the means as adapted to
    the user so far (``VoiceStats.adapted_means``), under which the MAP sums are taken; the MLLR
    sums are always taken under the model's own means, which their estimate maps from."""
    codebook = {phone: index for index, phone in enumerate(model.phones)}
    books = np.array([codebook.get(phone, -1) for phone in phones])
    keep = (senones >= 0) & (books >= 0) & ~np.isin(np.array(phones, dtype=object), SILENT)
    frames, senones, books = frames[keep], senones[keep], books[keep]
    stats = VoiceStats(notes=1.0)
    if not len(frames):
        return stats
    for stream in range(STREAMS):
        observed = frames[:, stream * DIMENSIONS : (stream + 1) * DIMENSIONS]  # (n, 13)
        means = model.means[books, stream]  # (n, densities, 13)
        variances = model.variances[books, stream]
        share = _shares(model, stream, observed, means, variances, senones)
        extended = np.concatenate([np.ones(means.shape[:2] + (1,)), means], axis=-1)
        weighted = share[:, :, None] / variances  # (n, densities, 13)
        stats.g[stream] = np.einsum("tmi,tmj,tmk->ijk", weighted, extended, extended)
        stats.k[stream] = np.einsum("tmi,ti,tmj->ij", weighted, observed, extended)
        if adapted is not None:
            share = _shares(model, stream, observed, adapted[books, stream], variances, senones)
        np.add.at(stats.occupancy[:, stream], books, share)
        np.add.at(stats.first[:, stream], books, share[:, :, None] * observed[:, None, :])
    return stats


def _shares(
    model: AcousticModel,
    stream: int,
    observed: np.ndarray,
    means: np.ndarray,
    variances: np.ndarray,
    senones: np.ndarray,
) -> np.ndarray:
    """Each Gaussian's share of each frame (n, densities): its weight in the frame's senone times
    its fit, normalised per frame."""
    fit = -0.5 * (((observed[:, None, :] - means) ** 2) / variances + np.log(variances)).sum(-1)
    fit += model.log_weights[stream][:, senones].T
    fit -= fit.max(axis=1, keepdims=True)
    share = np.exp(fit)
    return share / share.sum(axis=1, keepdims=True)


def _read_gaussians(path: Path) -> np.ndarray:
    """A sphinx "s3" Gaussian file (means or variances) as (codebooks, streams, densities, dims)."""
    data = path.read_bytes()
    at = data.index(b"endhdr\n") + len(b"endhdr\n")
    if struct.unpack_from("<i", data, at)[0] != 0x11223344:
        raise ValueError(f"{path}: not a little-endian sphinx file")
    codebooks, streams, densities = struct.unpack_from("<3i", data, at + 4)
    lengths = struct.unpack_from(f"<{streams}i", data, at + 16)
    if set(lengths) != {DIMENSIONS}:
        raise ValueError(f"{path}: streams of {lengths}, not of {DIMENSIONS}")
    (total,) = struct.unpack_from("<i", data, at + 16 + 4 * streams)
    values = np.frombuffer(data, "<f4", total, at + 20 + 4 * streams)
    return values.astype(np.float64).reshape(codebooks, streams, densities, DIMENSIONS)


def _read_phones(path: Path) -> list[str]:
    """The CI phone names of a binary model definition, in their (sorted) order."""
    data = path.read_bytes()
    marker = b"END FILE FORMAT DESCRIPTION\n"
    at = data.index(marker) + len(marker)
    at += -at % 4  # the counts are 4-byte aligned
    n_ci = struct.unpack_from("<i", data, at)[0]
    names = data[at + 40 :].split(b"\0", n_ci)[:n_ci]  # after ten int32 counts
    return [name.decode("ascii") for name in names]


def _read_log_weights(path: Path, densities: int) -> np.ndarray:
    """pocketsphinx's ``sendump`` (8-bit, unclustered) as ln weights (streams, densities, senones)."""
    data = path.read_bytes()
    at = 0

    def integer() -> int:
        nonlocal at
        (value,) = struct.unpack_from("<i", data, at)
        at += 4
        return value

    for _ in ("title", "format description"):
        size = integer()
        at += size
    header: dict[str, str] = {}
    while size := integer():
        line = data[at : at + size].rstrip(b"\0").decode("ascii", "replace")
        at += size
        key, _, value = line.partition(" ")
        header[key] = value
    if header.get("cluster_count", "0") != "0":
        raise ValueError(f"{path}: clustered mixture weights are not supported")
    rows, senones = integer(), integer()
    if rows != densities:
        raise ValueError(f"{path}: {rows} codewords, not {densities}")
    streams = int(header.get("feature_count", STREAMS))
    quantized = np.frombuffer(data, np.uint8, streams * densities * senones, at)
    return (-MIXW_SCALE * quantized.reshape(streams, densities, senones)).astype(np.float32)  # 8 MB, not 16
