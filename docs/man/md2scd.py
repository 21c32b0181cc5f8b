#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Turn one of hyperflow's Markdown documents into an scdoc man page.

    md2scd.py INPUT.md NAME SECTION "ONE-LINE DESCRIPTION" > NAME.SECTION.scd

The Markdown the docs use, and only that: headings, paragraphs, fenced code
blocks, "- " lists, pipe tables, inline `code`, **bold** and links. A table
becomes one entry per row (its first cell in bold, the other cells as
"Header: value" under it), which reads better in a terminal than a wide
table. So hyperflow.conf(5) is built from docs/configuration.md and the two
cannot drift apart; the man page says where the full text lives.
"""
import re
import sys


def esc(text):
    """scdoc's formatting characters, taken literally."""
    return text.replace("\\", "\\\\").replace("*", "\\*").replace("_", "\\_")


def inline(text):
    out = []
    pos = 0
    # `code`, **bold**, [text](target), [text]
    pat = re.compile(r"`([^`]+)`|\*\*(.+?)\*\*|\[([^\]]+)\]\(([^)]+)\)|\[([^\]]+)\](?!\()")
    for m in pat.finditer(text):
        out.append(esc(text[pos:m.start()]))
        if m.group(1) is not None:
            out.append("*" + esc(m.group(1)) + "*")
        elif m.group(2) is not None:
            out.append("*" + esc(m.group(2)) + "*")
        elif m.group(3) is not None:
            label, target = m.group(3), m.group(4)
            if target.startswith("http"):
                out.append(inline(label) + " (" + esc(target) + ")")
            elif target.startswith("#"):
                out.append(inline(label))
            else:
                out.append(inline(label) + " (" + esc(target.split("#")[0]) + ")")
        else:
            out.append(inline(m.group(5)))
        pos = m.end()
    out.append(esc(text[pos:]))
    return "".join(out)


def cells(line):
    line = line.strip().strip("|")
    parts = re.split(r"(?<!\\)\|", line)
    return [p.strip().replace("\\|", "|") for p in parts]


def convert(lines, name, section, desc):
    out = [f"{name}({section})", "", "# NAME", "", f"{esc(name)} - {esc(desc)}", ""]
    i = 0
    n = len(lines)
    while i < n:
        line = lines[i].rstrip("\n")
        s = line.strip()
        if not s:
            i += 1
            continue
        if s.startswith("```"):
            ind = len(line) - len(line.lstrip())
            out.append("```")
            i += 1
            while i < n and not lines[i].strip().startswith("```"):
                out.append(lines[i].rstrip("\n")[ind:])
                i += 1
            out += ["```", ""]
            i += 1
            continue
        m = re.match(r"(#+)\s+(.*)", s)
        if m:
            level = len(m.group(1))
            title = m.group(2).replace("`", "")
            if level == 1:
                i += 1
                continue
            out += [("# " + esc(title.upper())) if level == 2 else ("## " + esc(title)), ""]
            i += 1
            continue
        if s.startswith("|"):
            head = cells(s)
            i += 2   # the header and its |---| line
            while i < n and lines[i].strip().startswith("|"):
                row = cells(lines[i])
                out.append("*" + esc(row[0].replace("`", "")) + "*")
                attrs = [(inline(h) + ": " if h else "") + inline(v)
                         for h, v in zip(head[1:], row[1:]) if v]
                if attrs:
                    out.append("\t" + "++\n".join(attrs))
                out.append("")
                i += 1
            continue
        if s.startswith("- "):
            item = [s[2:]]
            i += 1
            while i < n:
                t = lines[i].rstrip("\n")
                if t.startswith("  ") and not t.strip().startswith("```") and t.strip():
                    item.append(t.strip())
                    i += 1
                else:
                    break
            out.append("- " + inline(" ".join(item)))
            if i < n and not lines[i].strip().startswith("- "):
                out.append("")
            continue
        para = [s]
        i += 1
        while i < n and lines[i].strip() and not re.match(r"\s*(#|```|\||- )", lines[i]):
            para.append(lines[i].strip())
            i += 1
        out += [inline(" ".join(para)), ""]
    while out and out[-1] == "":
        out.pop()
    return "\n".join(out) + "\n"


def main():
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    with open(sys.argv[1], encoding="utf-8") as f:
        lines = f.readlines()
    sys.stdout.write(convert(lines, sys.argv[2], sys.argv[3], sys.argv[4]))


if __name__ == "__main__":
    main()
