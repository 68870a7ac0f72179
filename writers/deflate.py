# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Raw DEFLATE fragments, and the gzip and zip containers around them.

A fragment ends on a byte boundary (a sync flush) and is not final, so
fragments joined in order are one DEFLATE stream once a final fragment
ends it: a file's parts are compressed once, when written, and copied
into the gzip copy or the zip member as they are.
"""

import struct
import zlib

COMPRESS_LEVEL = 6
GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"  # no name, mtime 0
_ZIP_DATE = (1 << 5) | 1  # 1980-01-01, 00:00
_ZIP_DATA_DESCRIPTOR = 0x08
_ZIP32_MAX = 0xFFFFFFFF


def compressor():
    return zlib.compressobj(COMPRESS_LEVEL, zlib.DEFLATED, -15)


def inflate(fragment):
    """The bytes of one fragment."""
    return zlib.decompressobj(-15).decompress(fragment)


def deflate_last(data):
    """``data`` as the final fragment of a stream."""
    compress = compressor()
    return compress.compress(data) + compress.flush()


def gzip_trailer(crc, size):
    return struct.pack("<II", crc, size & _ZIP32_MAX)


def write_zip(stream, members, streamed_name, fragments, crc, size):
    """Write a zip archive of ``members`` ({name: bytes}, deflated here) into
    ``stream``; the member ``streamed_name`` is made of ``fragments``, whose
    last one is final, holding ``size`` bytes of CRC-32 ``crc``."""
    if size > _ZIP32_MAX:
        raise ValueError(f"{streamed_name} is larger than 4 GiB.")
    entries, offset = [], 0
    for name, data in members.items():
        encoded = name.encode()
        if name == streamed_name:
            flags, member_crc, csize, usize = _ZIP_DATA_DESCRIPTOR, 0, 0, 0
            stream.write(_local_header(encoded, flags, 0, 0, 0))
            csize = 0
            for fragment in fragments:
                stream.write(fragment)
                csize += len(fragment)
            member_crc, usize = crc, size
            stream.write(struct.pack("<4sIII", b"PK\x07\x08", crc, csize, size))
            length = 30 + len(encoded) + csize + 16
        else:
            body = deflate_last(data)
            flags, member_crc, csize, usize = 0, zlib.crc32(data), len(body), len(data)
            stream.write(_local_header(encoded, flags, member_crc, csize, usize))
            stream.write(body)
            length = 30 + len(encoded) + csize
        entries.append((encoded, flags, member_crc, csize, usize, offset))
        offset += length
    directory = b"".join(
        struct.pack(
            "<4s6H3I5H2I",
            b"PK\x01\x02",
            *(20, 20, flags, 8, 0, _ZIP_DATE),
            *(member_crc, csize, usize),
            *(len(encoded), 0, 0, 0, 0),
            *(0, member_offset),
        )
        + encoded
        for encoded, flags, member_crc, csize, usize, member_offset in entries
    )
    stream.write(directory)
    count = len(entries)
    stream.write(
        struct.pack(
            "<4s4H2IH", b"PK\x05\x06", 0, 0, count, count, len(directory), offset, 0
        )
    )


def _local_header(encoded_name, flags, crc, csize, size):
    return (
        struct.pack(
            "<4s5H3I2H",
            b"PK\x03\x04",
            *(20, flags, 8, 0, _ZIP_DATE),
            *(crc, csize, size),
            *(len(encoded_name), 0),
        )
        + encoded_name
    )
