#!/usr/bin/env python3
"""Embed a text file into C: tools/embed.py SYMBOL INPUT OUTPUT.c

Writes `const char SYMBOL[] = "...";` and `const unsigned long SYMBOL_len`, so the program
carries the file (e.g. the demo scenario) and needs no path at run time.
"""
import sys


def main(symbol, src, dst):
    data = open(src, "rb").read()
    out = [f"/* Generated from {src.split('/')[-1]} by tools/embed.py. Do not edit. */\n",
           f"const char {symbol}[] =\n"]
    for line in data.decode("utf-8").splitlines(keepends=True):
        esc = line.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
        out.append(f'\t"{esc}"\n')
    out.append(";\n")
    out.append(f"const unsigned long {symbol}_len = sizeof {symbol} - 1;\n")
    open(dst, "w").write("".join(out))


if __name__ == "__main__":
    main(*sys.argv[1:4])
