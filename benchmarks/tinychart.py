"""A tiny line-chart renderer that writes PNG files with nothing but zlib (no matplotlib).

`Canvas` is an RGB pixel grid (a bytearray) with lines, rectangles, dots and text in a 5x7
bitmap font; `panel(...)` draws one chart (axes, ticks, labels, series) into a region;
`Canvas.save_png(path)` encodes it (8-bit RGB, no interlace, filter 0 on every row).
"""
from __future__ import annotations

import math
import struct
import zlib

# 5x7 glyphs, one string of 7 rows of 5 bits per character ('#' = ink)
_FONT_ROWS = {
    "0": ".###.#...##..###.#.###..##...#.###.", "1": "..#...##....#....#....#....#...###.",
    "2": ".###.#...#....#...#...#...#...#####", "3": "#####...#...#.....#.....##...#.###.",
    "4": "...#...##..#.#.#..#.#####...#....#.", "5": "######....####.....#....##...#.###.",
    "6": "..##..#...#....####.#...##...#.###.", "7": "#####....#...#...#...#....#....#...",
    "8": ".###.#...##...#.###.#...##...#.###.", "9": ".###.#...##...#.####....#...#..##..",
    "A": ".###.#...##...#######...##...##...#", "B": "####.#...##...#####.#...##...#####.",
    "C": ".###.#...##....#....#....#...#.###.", "D": "###..#..#.#...##...##...##..#.###..",
    "E": "######....#....####.#....#....#####", "F": "######....#....####.#....#....#....",
    "G": ".###.#...##....#.####...##...#.####", "H": "#...##...##...#######...##...##...#",
    "I": ".###...#....#....#....#....#...###.", "J": "..###...#....#....#....#.#..#..##..",
    "K": "#...##..#.#.#..##...#.#..#..#.#...#", "L": "#....#....#....#....#....#....#####",
    "M": "#...###.###.#.##.#.##...##...##...#", "N": "#...##...###..##.#.##..###...##...#",
    "O": ".###.#...##...##...##...##...#.###.", "P": "####.#...##...#####.#....#....#....",
    "Q": ".###.#...##...##...##.#.##..#..##.#", "R": "####.#...##...#####.#.#..#..#.#...#",
    "S": ".#####....#.....###.....#....#####.", "T": "#####..#....#....#....#....#....#..",
    "U": "#...##...##...##...##...##...#.###.", "V": "#...##...##...##...##...#.#.#...#..",
    "W": "#...##...##...##.#.##.#.##.#..#.#..", "X": "#...##...#.#.#...#...#.#.#...##...#",
    "Y": "#...##...#.#.#...#....#....#....#..", "Z": "#####....#...#...#...#...#....#####",
    ".": "..........................##...##..", ",": ".....................##...#...#....",
    "-": "...............#####...............", "+": ".......#....#..#####..#....#.......",
    "/": "....#....#...#...#...#...#....#....", "(": "...#...#...#....#....#.....#.....#.",
    ")": ".#.....#.....#....#....#...#...#...", ":": ".......##...##.........##...##.....",
    "=": "..........#####.....#####..........", " ": "...................................",
    "%": "##...##..#...#...#...#...#..##...##", "x": "..........#...#.#.#...#...#.#.#...#",
}


def _glyph(ch: str) -> list[str]:
    rows = _FONT_ROWS.get(ch) or _FONT_ROWS.get(ch.upper()) or _FONT_ROWS[" "]
    return [rows[i * 5:(i + 1) * 5] for i in range(7)]


class Canvas:
    def __init__(self, width: int, height: int, bg=(255, 255, 255)):
        self.w, self.h = width, height
        self.px = bytearray(bytes(bg) * (width * height))

    def set(self, x: int, y: int, c) -> None:
        if 0 <= x < self.w and 0 <= y < self.h:
            i = 3 * (y * self.w + x)
            self.px[i:i + 3] = bytes(c)

    def rect(self, x0: int, y0: int, x1: int, y1: int, c) -> None:
        for y in range(max(0, y0), min(self.h, y1 + 1)):
            for x in range(max(0, x0), min(self.w, x1 + 1)):
                self.set(x, y, c)

    def line(self, x0: float, y0: float, x1: float, y1: float, c, width: int = 1) -> None:
        n = int(max(abs(x1 - x0), abs(y1 - y0))) + 1
        for i in range(n + 1):
            t = i / n
            x, y = round(x0 + (x1 - x0) * t), round(y0 + (y1 - y0) * t)
            for dx in range(-(width // 2), width - width // 2):
                for dy in range(-(width // 2), width - width // 2):
                    self.set(x + dx, y + dy, c)

    def dot(self, x: float, y: float, c, r: int = 3) -> None:
        for dy in range(-r, r + 1):
            for dx in range(-r, r + 1):
                if dx * dx + dy * dy <= r * r:
                    self.set(round(x) + dx, round(y) + dy, c)

    def text(self, x: int, y: int, s: str, c=(0, 0, 0), scale: int = 1, anchor: str = "left") -> None:
        width = len(s) * 6 * scale
        if anchor == "center":
            x -= width // 2
        elif anchor == "right":
            x -= width
        for k, ch in enumerate(s):
            for r, row in enumerate(_glyph(ch)):
                for col, bit in enumerate(row):
                    if bit == "#":
                        self.rect(x + (6 * k + col) * scale, y + r * scale,
                                  x + (6 * k + col) * scale + scale - 1, y + r * scale + scale - 1, c)

    def save_png(self, path: str) -> None:
        raw = b"".join(b"\x00" + bytes(self.px[3 * y * self.w:3 * (y + 1) * self.w]) for y in range(self.h))

        def chunk(tag: bytes, data: bytes) -> bytes:
            return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))

        png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", self.w, self.h, 8, 2, 0, 0, 0))
               + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))
        with open(path, "wb") as f:
            f.write(png)


COLORS = [(31, 119, 180), (214, 39, 40), (44, 160, 44), (148, 103, 189)]


def _nice_ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    if hi <= lo:
        hi = lo + 1
    step = 10 ** math.floor(math.log10((hi - lo) / n))
    for m in (1, 2, 2.5, 5, 10):
        if (hi - lo) / (step * m) <= n:
            step *= m
            break
    t = math.floor(lo / step) * step
    out = [round(t, 10)]
    while out[-1] < hi - 1e-9 * step:
        t += step
        out.append(round(t, 10))
    return out


def _fmt(v: float) -> str:
    if v == int(v):
        return f"{int(v):,}"
    return f"{v:.1f}" if abs(v) >= 1 else f"{v:.2f}"


def panel(cv: Canvas, x0: int, y0: int, w: int, h: int, title: str, xs: list, series: dict,
          ylabel: str = "", xlabel: str = "batch size N") -> None:
    """One chart in the box (x0, y0, w, h): x on a log2 axis (the batch sizes), one line per
    series {name: [y or None per x]}, y from 0."""
    left, right, top, bottom = x0 + 58, x0 + w - 12, y0 + 34, y0 + h - 40
    cv.text((left + right) // 2, y0, title, scale=2, anchor="center")
    ys = [v for vals in series.values() for v in vals if v is not None]
    ymax = max(ys) * 1.1 if ys else 1.0
    ticks = _nice_ticks(0, ymax)
    ymax = ticks[-1]
    lx = [math.log2(x) for x in xs]
    xmin, xmax = min(lx), max(lx) if max(lx) > min(lx) else min(lx) + 1

    def px(i):
        return left + (lx[i] - xmin) / (xmax - xmin) * (right - left)

    def py(v):
        return bottom - v / ymax * (bottom - top)

    for t in ticks:
        y = py(t)
        cv.line(left, y, right, y, (225, 225, 225))
        cv.text(left - 6, int(y) - 3, _fmt(t), anchor="right")
    cv.line(left, top, left, bottom, (0, 0, 0))
    cv.line(left, bottom, right, bottom, (0, 0, 0))
    for i, x in enumerate(xs):
        cv.line(px(i), bottom, px(i), bottom + 4, (0, 0, 0))
        cv.text(int(px(i)), bottom + 8, str(x), anchor="center")
    cv.text((left + right) // 2, bottom + 22, xlabel, anchor="center")
    if ylabel:
        cv.text(x0 + 4, top - 12, ylabel)
    for j, (name, vals) in enumerate(series.items()):
        c = COLORS[j % len(COLORS)]
        pts = [(px(i), py(v)) for i, v in enumerate(vals) if v is not None]
        for (a, b), (c2, d) in zip(pts, pts[1:]):
            cv.line(a, b, c2, d, c, width=2)
        for a, b in pts:
            cv.dot(a, b, c)
        if len(series) > 1:
            cv.rect(left + 8, top + 4 + 12 * j, left + 16, top + 10 + 12 * j, c)
            cv.text(left + 20, top + 4 + 12 * j, name)
