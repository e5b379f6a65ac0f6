# SPDX-License-Identifier: BSD-2-Clause
"""unmask.py CALL ARGS... < trace > transcript

Fill the PIN bytes the virtual token's trace masks ("**") back in, from the PINs of the
family call that produced the trace: VERIFY (INS 20) carries the PIN being checked (the old
one for set_pin), CHANGE REFERENCE DATA (INS 24) carries 80 02 <len> A5 <len> and the PIN
being set. Other lines pass through unchanged.
"""
import sys


def hexs(b):
    return " ".join("%02X" % x for x in b)


def main():
    call, args = sys.argv[1], sys.argv[2:]
    check = new = None
    if call == "login":
        check = args[1]
    elif call == "init_token":
        check = new = args[0]
    elif call == "init_pin":
        new = args[0]
    elif call == "set_pin":
        check, new = args[1], args[2]
    for line in sys.stdin:
        line = line.rstrip("\n")
        toks = line.split()
        if len(toks) > 2 and toks[0] == ">" and "**" in toks:
            ins = toks[2]
            keep = toks[:toks.index("**")]
            if ins == "20" and check is not None:
                data = check.encode()
            elif ins == "24" and new is not None:
                p = new.encode()
                data = bytes([0x80, 0x02, 0x00, len(p), 0xA5, len(p)]) + p
            else:
                sys.exit("unmask: a masked APDU this call does not explain: " + line)
            if len(toks) - len(keep) != len(data):
                sys.exit("unmask: the masked length does not fit: " + line)
            line = " ".join(keep) + " " + hexs(data)
        print(line)


main()
