#!/usr/bin/env python3
"""Write the seed corpus of fuzz_ble_server.c (tests/fuzz/corpus_server/).

Each seed is a config byte and a list of operations in the format the fuzzer's header
describes; writes flagged "sealed" get a valid E2E tail from the harness itself, so the
seeds stay valid whatever counters the server expects. Run from anywhere:
    python3 tests/fuzz/make_server_seeds.py
"""
import os

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "corpus_server")

# gatt_char_id values (ble_gateway/protocol/gatt_model.h)
IDD_STATUS_CHANGED, IDD_STATUS, IDD_ANN, IDD_FEATURES, SRCP, CCP, CMD_DATA, IDD_RACP, HISTORY = range(9)
CGM_MEAS, CGM_FEATURE, CGM_STATUS, CGM_SST, CGM_SRT, CGM_RACP, SOCP = range(9, 16)
DIS_MANUFACTURER, BAS, CTS = 16, 24, 25
PLAIN, JUST_WORKS, LEGACY_MITM, SECURE = range(4)


def op(kind, link, flags=0):
    return bytes([kind | (link << 3) | (flags << 5)])


def write(link, char, payload_hex, sealed=True, opts=False):
    p = bytes.fromhex(payload_hex)
    assert len(p) < 256
    return op(0, link, (1 if sealed else 0) | (2 if opts else 0)) + bytes([char, len(p)]) + p


def read(link, char):
    return op(3, link) + bytes([char])


def subscribe(link, char, on=True):
    return op(4, link, 1 if on else 0) + bytes([char])


def minutes(n):
    return op(5, 0, n - 1)


def cgm(tenths_mgdl, ssa=0):
    return op(6, 0) + bytes([tenths_mgdl & 0xFF, tenths_mgdl >> 8, ssa])


def misc(flags, link=0, arg=None):
    return op(7, link, flags) + (bytes([arg]) if arg is not None else b"")


BOLUS = "4B 11 00 33 02 00 00 00 00 00"
SEEDS = {
    "bolus_then_replay": bytes([0]) + write(SECURE, CCP, BOLUS) + minutes(3)
    + write(SECURE, CCP, BOLUS) + write(SECURE, CCP, BOLUS + "01 00 00", sealed=False),
    "every_ccp_opcode": bytes([0]) + b"".join(write(SECURE, CCP, h) for h in [
        "5A 0F 3C", "5A 0F 55", "69 0F 01 00", "99 0F 01 00", "AA 0F 01", "CC 0F 01 01 01 A0 05 02 00",
        "FF 0F 00 33 08 F0 1E 00", "FF 0F 04 3C 96 00 3C 00", "11 11", "1E 11 04",
        "2D 11 04 33 08 F0 1E 00", BOLUS, "78 11 01 00", "88 11", "BB 11 05",
        "DD 11 06 00 33 02 00 00 00 00 00", "EE 11", "1D 12 01 01", "2E 12 01 01", "48 12",
        "7B 12 0A 00", "84 12", "8B 12 C8 00", "B7 12", "7D 14", "8D 14 0A 00", "66 0F"]),
    "stopped_prime_fill": bytes([0x20]) + write(SECURE, CCP, "7B 12 0A 00")
    + write(SECURE, CCP, "8B 12 C8 00") + write(SECURE, CCP, "5A 0F 55"),
    "every_srcp_opcode": bytes([0]) + write(SECURE, CCP, "4B 11 00 55 01 00 02 00 78 00")
    + minutes(2) + b"".join(write(SECURE, SRCP, h) for h in [
        "0C 03 FF 00", "30 03", "56 03 01 00 0F", "56 03 01 00 33", "56 03 01 00 3C", "65 03",
        "95 03", "A6 03 0F 33", "A6 03 55 33", "C0 03", "F3 03"]),
    "idd_racp": bytes([0x04]) + write(SECURE, CCP, BOLUS) + minutes(4)
    + write(SECURE, IDD_RACP, "5A 33") + write(SECURE, IDD_RACP, "33 33")
    + write(SECURE, IDD_RACP, "33 66") + subscribe(SECURE, HISTORY, False) + minutes(2)
    + write(SECURE, IDD_RACP, "33 5A 0F 00 00 00 00 05 00 00 00") + write(SECURE, IDD_RACP, "55 0F"),
    "cgm_racp_socp": bytes([0x04]) + b"".join(cgm(1000 + 10 * i) + minutes(1) for i in range(8))
    + write(SECURE, CGM_RACP, "01 01") + write(SECURE, CGM_RACP, "04 01") + minutes(3)
    + write(SECURE, CGM_RACP, "04 03 01 02 00") + write(SECURE, CGM_RACP, "03 00")
    + b"".join(write(SECURE, SOCP, h) for h in [
        "01 05", "02", "01 FF", "1B", "1A", "04 64 00 0A 00 59 00 00 01 00 00", "05 FF FF",
        "07 FA 00", "08", "13 64 00", "14", "19"]),
    "values_and_time": bytes([0]) + b"".join(read(SECURE, c) for c in range(26))
    + write(SECURE, CGM_SST, "E8 07 01 01 00 00 00 04 00")
    + write(SECURE, CTS, "E8 07 03 05 0A 1E 00 02 00 01", sealed=False),
    "weak_links": bytes([0]) + b"".join(
        write(l, CCP, BOLUS) + read(l, IDD_STATUS) + subscribe(l, CGM_MEAS) + read(l, BAS)
        + read(l, DIS_MANUFACTURER) for l in (PLAIN, JUST_WORKS, LEGACY_MITM)),
    "legacy_weak_links": bytes([0x01]) + b"".join(
        subscribe(l, CCP) + write(l, CCP, BOLUS) + minutes(3) for l in (PLAIN, JUST_WORKS)),
    "no_e2e": bytes([0x02]) + write(SECURE, CCP, BOLUS) + write(SECURE, SRCP, "30 03")
    + write(SECURE, SOCP, "02") + write(SECURE, CCP, BOLUS + "01 FF FF", sealed=False),
    "flood_and_storm": bytes([0]) + write(SECURE, CCP, "7D 14") * 40
    + b"".join(subscribe(SECURE, CGM_MEAS, i % 2 == 0) for i in range(30)) + minutes(2)
    + misc(4),
    "opts_and_bad_handles": bytes([0]) + write(SECURE, CCP, "7D 14", opts=True)
    + write(SECURE, 27, "00") + read(SECURE, 26) + write(SECURE, IDD_STATUS, "00 00")
    + subscribe(SECURE, IDD_FEATURES),
    "connections_and_faults": bytes([0x08]) + misc(1, SECURE) + misc(0, SECURE)
    + write(SECURE, CCP, BOLUS) + misc(2, 0, 0) + minutes(8) + misc(3, 0, 1) + misc(3, 0, 3)
    + misc(2, 0, 3) + write(SECURE, CCP, "5A 0F 55") + minutes(2),
    "specials": bytes([0]) + b"".join(write(SECURE, CCP, "4B 11 00 33 %s 00 00 00 00" % s)
                                      for s in ["FF 07", "00 08", "FE 07", "02 08", "01 08", "01 70",
                                                "01 80", "FF 0F", "E8 03"]),
}


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, data in SEEDS.items():
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)
    print("%d seeds in %s" % (len(SEEDS), OUT))


if __name__ == "__main__":
    main()
