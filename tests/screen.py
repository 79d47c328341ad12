#!/usr/bin/python3
"""tests/screen.py: what a qemu screendump shows, for tests/matrix/a11y.t.

    screen.py SCREEN.ppm PICTURE.png
    screen.py SCREEN.ppm

SCREEN.ppm is qemu's screendump (binary PPM, P6, 8 bits); PICTURE.png
a picture a program draws on the screen unscaled (plymouth's theme's
entry box, the password field of its dialog), RGBA or RGB with 8 bits a
sample. Prints one line:

    WIDTHxHEIGHT colours=N shown=yes|no

colours: how many colours the screen has; shown: whether each of the
picture's two most frequent opaque colours is on the screen on at least
as many pixels as in the picture (a blank or text console has neither:
the picture's colours are the theme's own). Without a picture:

    WIDTHxHEIGHT colours=N text-bottom=B

B: how many rows of pixels from the top the last row holds that is not
all the screen's most frequent colour (the background): on a text
console with a known number of lines, their height (4 lines of an 8x8
font end by row 32, of the kernel's 8x16 font by row 64). Exits 1, with
one line on stderr, on a file it cannot read.
"""
import collections
import struct
import sys
import zlib


def ppm(path):
    with open(path, 'rb') as f:
        data = f.read()
    fields = []
    pos = 0
    while len(fields) < 4:
        if pos >= len(data):
            raise ValueError('truncated header')
        while data[pos:pos + 1].isspace():
            pos += 1
        if data[pos:pos + 1] == b'#':
            pos = data.index(b'\n', pos) + 1
            continue
        end = pos
        while end < len(data) and not data[end:end + 1].isspace():
            end += 1
        fields.append(data[pos:end])
        pos = end
    if fields[0] != b'P6' or fields[3] != b'255':
        raise ValueError('not a binary PPM with 8-bit samples')
    width, height = int(fields[1]), int(fields[2])
    pixels = data[pos + 1:pos + 1 + width * height * 3]
    if len(pixels) != width * height * 3:
        raise ValueError('truncated')
    return width, height, pixels


def paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def png(path):
    """The opaque pixels' colours of an 8-bit RGB or RGBA PNG."""
    with open(path, 'rb') as f:
        data = f.read()
    if data[:8] != b'\x89PNG\r\n\x1a\n':
        raise ValueError('not a PNG')
    pos, idat = 8, b''
    while pos < len(data):
        length, kind = struct.unpack('>I4s', data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b'IHDR':
            width, height, depth, ctype, _, _, interlace = struct.unpack('>IIBBBBB', body)
        elif kind == b'IDAT':
            idat += body
        pos += 12 + length
    if depth != 8 or ctype not in (2, 6) or interlace:
        raise ValueError('not 8-bit RGB or RGBA, non-interlaced')
    bpp = 4 if ctype == 6 else 3
    raw = zlib.decompress(idat)
    stride = width * bpp
    prev = bytearray(stride)
    colours = collections.Counter()
    for y in range(height):
        line = raw[y * (stride + 1):(y + 1) * (stride + 1)]
        kind, row = line[0], bytearray(line[1:])
        for i in range(stride):
            a = row[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if kind == 1:
                row[i] = (row[i] + a) & 255
            elif kind == 2:
                row[i] = (row[i] + b) & 255
            elif kind == 3:
                row[i] = (row[i] + (a + b) // 2) & 255
            elif kind == 4:
                row[i] = (row[i] + paeth(a, b, c)) & 255
            elif kind != 0:
                raise ValueError('filter type %d' % kind)
        for x in range(0, stride, bpp):
            if bpp == 3 or row[x + 3] == 255:
                colours[bytes(row[x:x + 3])] += 1
        prev = row
    return colours


def text_bottom(width, height, pixels, background):
    line = width * 3
    for y in range(height, 0, -1):
        if pixels[(y - 1) * line:y * line] != background * width:
            return y
    return 0


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit('usage: screen.py SCREEN.ppm [PICTURE.png]')
    try:
        width, height, pixels = ppm(sys.argv[1])
    except (OSError, ValueError, IndexError) as e:
        sys.exit('%s: %s' % (sys.argv[1], e))
    screen = collections.Counter(pixels[i:i + 3] for i in range(0, len(pixels), 3))
    if len(sys.argv) == 2:
        background = screen.most_common(1)[0][0]
        print('%dx%d colours=%d text-bottom=%d' % (
            width, height, len(screen), text_bottom(width, height, pixels, background)))
        return
    try:
        picture = png(sys.argv[2])
    except (OSError, ValueError, struct.error, zlib.error, UnboundLocalError) as e:
        sys.exit('%s: %s' % (sys.argv[2], e))
    main_colours = picture.most_common(2)
    shown = len(main_colours) == 2 and all(screen[c] >= n for c, n in main_colours)
    print('%dx%d colours=%d shown=%s' % (width, height, len(screen),
                                         'yes' if shown else 'no'))


main()
