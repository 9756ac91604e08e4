#!/usr/bin/env python3
"""Ouroboros - the nonces of encrypted eth-dix frames in a capture
(tests/netns/test_frct_crypt.sh).

    frct_nonces.py PCAP MAC

Reads a classic pcap (tcpdump -w) of a tap and, for the eth-dix frames
of flows (management frames, endpoint id 0, are left out), the 8-byte
counter each encrypted packet starts with (the nonce's variable part,
src/common/crypt.h), after the 20-byte frame header (MACs, ethertype,
destination and source endpoint ids, length; src/ipcpd/eth/frame.c).
Frames are split by the source MAC: those sent by MAC (this host) and
those received. Prints

    sent N unique U dup D received N unique U dup D

where a flow is (source MAC, source endpoint id) and a duplicate is a
counter seen before on the same flow. Exit 0; 2 on a bad file.
"""
import struct
import sys

ETH_HDR = 20          # dst, src, ethertype, d_eid, s_eid, len
CTR_LEN = 8


def frames(path):
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        raise ValueError("no pcap header")
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        end = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        end = ">"
    else:
        raise ValueError("not a classic pcap")
    off = 24
    while off + 16 <= len(data):
        _, _, incl, _ = struct.unpack(end + "IIII", data[off:off + 16])
        off += 16
        yield data[off:off + incl]
        off += incl


def main():
    if len(sys.argv) != 3:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    mac = bytes.fromhex(sys.argv[2].replace(":", ""))
    seen = {}
    count = {"sent": [0, 0], "received": [0, 0]}
    try:
        for fr in frames(sys.argv[1]):
            if len(fr) < ETH_HDR + CTR_LEN or fr[12:14] < b"\x06\x00":
                continue            # short, or 802.3 / not eth-dix
            if fr[12:14] in (b"\x08\x00", b"\x08\x06", b"\x86\xdd"):
                continue            # IPv4, ARP, IPv6
            if fr[14:16] == b"\0\0" or fr[16:18] == b"\0\0":
                continue            # management (endpoint id 0)
            side = "sent" if fr[6:12] == mac else "received"
            key = (fr[6:12], fr[16:18])
            ctr = fr[ETH_HDR:ETH_HDR + CTR_LEN]
            s = seen.setdefault(key, set())
            count[side][0] += 1
            if ctr in s:
                count[side][1] += 1
            s.add(ctr)
    except (OSError, ValueError) as e:
        print(f"frct_nonces: {e}", file=sys.stderr)
        return 2
    print(" ".join(f"{k} {n} unique {n - d} dup {d}"
                   for k, (n, d) in count.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
