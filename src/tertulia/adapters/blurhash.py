"""BlurHash (https://github.com/woltapp/blurhash): a few cosine components of an image in a
short string that a client paints as a blurred placeholder while the image loads."""

from __future__ import annotations

import math

_DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz#$%*+,-.:;=?@[]^_{|}~"


def _base83(value: int, length: int) -> str:
    return "".join(_DIGITS[value // 83 ** (length - i - 1) % 83] for i in range(length))


def _to_linear(value: int) -> float:
    v = value / 255
    return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4


def _to_srgb(value: float) -> int:
    v = min(1.0, max(0.0, value))
    if v <= 0.0031308:
        return int(v * 12.92 * 255 + 0.5)
    return int((1.055 * v ** (1 / 2.4) - 0.055) * 255 + 0.5)


_LINEAR = tuple(_to_linear(v) for v in range(256))


def _sign_pow(value: float, exponent: float) -> float:
    return math.copysign(abs(value) ** exponent, value)


def blurhash(rgb: bytes, width: int, height: int, x_components: int, y_components: int) -> str:
    """The BlurHash of `width` by `height` packed 8-bit RGB pixels, with that many components
    (1 to 9 each way). Meant for a small image (32 px): this is plain Python."""
    if not (1 <= x_components <= 9 and 1 <= y_components <= 9):
        raise ValueError("BlurHash has 1 to 9 components each way")
    if width < 1 or height < 1 or len(rgb) != width * height * 3:
        raise ValueError("pixels do not match the size")
    red = [_LINEAR[v] for v in rgb[0::3]]
    green = [_LINEAR[v] for v in rgb[1::3]]
    blue = [_LINEAR[v] for v in rgb[2::3]]
    factors: list[tuple[float, float, float]] = []
    for j in range(y_components):
        cos_y = [math.cos(math.pi * j * y / height) for y in range(height)]
        for i in range(x_components):
            cos_x = [math.cos(math.pi * i * x / width) for x in range(width)]
            r = g = b = 0.0
            index = 0
            for y in range(height):
                for x in range(width):
                    basis = cos_x[x] * cos_y[y]
                    r += basis * red[index]
                    g += basis * green[index]
                    b += basis * blue[index]
                    index += 1
            scale = (1 if i == 0 and j == 0 else 2) / (width * height)
            factors.append((r * scale, g * scale, b * scale))

    dc, ac = factors[0], factors[1:]
    parts = [_base83(x_components - 1 + (y_components - 1) * 9, 1)]
    if ac:
        actual_max = max(abs(v) for factor in ac for v in factor)
        quantised_max = max(0, min(82, math.floor(actual_max * 166 - 0.5)))
        maximum = (quantised_max + 1) / 166
        parts.append(_base83(quantised_max, 1))
    else:
        maximum = 1.0
        parts.append(_base83(0, 1))
    parts.append(_base83((_to_srgb(dc[0]) << 16) + (_to_srgb(dc[1]) << 8) + _to_srgb(dc[2]), 4))
    for factor in ac:
        r_q, g_q, b_q = (
            max(0, min(18, math.floor(_sign_pow(v / maximum, 0.5) * 9 + 9.5))) for v in factor
        )
        parts.append(_base83(r_q * 19 * 19 + g_q * 19 + b_q, 2))
    return "".join(parts)
