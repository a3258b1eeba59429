"""Mutations of valid inputs: cut short, bytes flipped, non-UTF-8 and binary spliced in, CRLF, huge lines.

Every mutation works on bytes and keeps the input bounded: the largest input is the seed plus `huge` bytes,
so a run that hangs is the code's doing, not the input's size.
"""

from __future__ import annotations

from collections.abc import Callable

from hypothesis import strategies as st

#: Bytes that are not UTF-8 or that mean something to a parser: lone continuation bytes, a UTF-8-encoded
#: surrogate, an overlong NUL, byte order marks, NUL, CR, quotes, backslashes, a PNG header.
JUNK = (
    b"\xff",
    b"\xfe\xff",
    b"\xc3(",
    b"\x80",
    b"\xed\xa0\x80",
    b"\xc0\x80",
    b"\xef\xbb\xbf",
    b"\x00",
    b"\r",
    b"\r\n",
    b"\n",
    b"\\",
    b'"',
    b"\t",
    "🤖".encode(),
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
)

Mutation = Callable[[bytes], bytes]


def _at(draw: st.DrawFn, data: bytes) -> int:
    return draw(st.integers(0, len(data)))


@st.composite
def _mutation(draw: st.DrawFn, huge: int) -> Mutation:
    kind = draw(
        st.sampled_from(
            ["truncate", "flip", "junk", "delete", "duplicate", "crlf", "cr", "huge", "binary", "swap", "newline"]
        )
    )
    seed = draw(st.randoms(use_true_random=False))

    def mutate(data: bytes) -> bytes:
        at = seed.randint(0, len(data))
        if kind == "truncate":
            return data[:at]
        if kind == "flip" and data:
            i = min(at, len(data) - 1)
            return data[:i] + bytes([data[i] ^ seed.choice([0x01, 0x20, 0x80, 0xFF])]) + data[i + 1 :]
        if kind == "junk":
            return data[:at] + seed.choice(JUNK) * seed.randint(1, 4) + data[at:]
        if kind == "delete":
            return data[:at] + data[at + seed.randint(1, 200) :]
        if kind == "duplicate":
            return data[:at] + data[at : at + seed.randint(1, 400)] * 2 + data[at:]
        if kind == "crlf":
            return data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
        if kind == "cr":
            return data.replace(b"\n", b"\r")
        if kind == "huge":
            line_start = data.rfind(b"\n", 0, at) + 1
            filler = seed.choice([b"x", b"+", b"-", b" ", b"\xff", "é".encode(), b"\t"])
            return data[:line_start] + seed.choice([b"+", b" ", b"-", b""]) + filler * huge + b"\n" + data[line_start:]
        if kind == "binary":
            return data[:at] + seed.randbytes(seed.randint(1, 512)) + data[at:]
        if kind == "swap":
            lines = data.split(b"\n")
            if len(lines) > 1:
                i, j = seed.randrange(len(lines)), seed.randrange(len(lines))
                lines[i], lines[j] = lines[j], lines[i]
            return b"\n".join(lines)
        return data[:at] + b"\n" + data[at:]

    return mutate


def mutated(seeds: st.SearchStrategy[str], *, huge: int = 70_000, most: int = 3) -> st.SearchStrategy[bytes]:
    """Seeds as UTF-8 bytes, with none to `most` mutations applied in turn."""

    @st.composite
    def build(draw: st.DrawFn) -> bytes:
        data = draw(seeds).encode("utf-8", "surrogatepass")
        for mutate in draw(st.lists(_mutation(huge), max_size=most)):
            data = mutate(data)
        return data

    return build()


def as_text(data: bytes, how: str) -> str | bytes:
    """The input as a caller may hand it over: the bytes, or text decoded leniently or not at all."""
    if how == "bytes":
        return data
    if how == "replace":
        return data.decode("utf-8", "replace")
    return data.decode("latin-1")


DECODINGS = st.sampled_from(["bytes", "replace", "latin-1"])
