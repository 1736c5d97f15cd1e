#!/bin/sh
# The raw tools' floor: what a user would do by hand, one tool after the
# other, to turn wgec's own Markdown into DOCX and PDF without wgec.
#
#   bench/raw_floor.sh REPORT.md OUTDIR TEMPLATES FONTS
#
#   REPORT.md  build/report.md of a `wgec build` (YAML metadata header + body)
#   OUTDIR     where report.docx, report.typ and report.pdf go
#   TEMPLATES  the templates folder: reference.docx and report.typ
#   FONTS      the fonts folder wgec ships (wgec_report/fonts)
#
# Environment: PANDOC (default: pandoc on PATH; bench/run.py passes the pandoc
# that pypandoc-binary ships, the one wgec runs), PYTHON (default: python3;
# run.py passes the venv's, which has the `typst` package), STEPS (default:
# "docx pdf"; run.py also times "docx" and "pdf" alone, the two chains a build
# can run side by side).
#
# The Markdown goes to pandoc as is, YAML header included: pandoc's default
# `markdown` reader has `yaml_metadata_block` on, so the header gives pandoc the
# same metadata (title, organ, lang, ...) that wgec passes with -M, and the
# Typst template fills the masthead from it. No metadata is repeated by hand.
#
# Like wgec, typst gets the shipped fonts and ignores the system's: the floor
# does the same typesetting work, with no font scan wgec does not do either.
set -eu

if [ "$#" -ne 4 ]; then
    echo "usage: $0 REPORT.md OUTDIR TEMPLATES FONTS" >&2
    exit 2
fi
md=$1
out=$2
templates=$3
fonts=$4
PANDOC=${PANDOC:-pandoc}
PYTHON=${PYTHON:-python3}
STEPS=${STEPS:-docx pdf}
mkdir -p "$out"

case " $STEPS " in *" docx "*)

# 1. pandoc: Markdown -> DOCX, with the report's reference document (styles).
"$PANDOC" "$md" --from=markdown --to=docx \
    --reference-doc="$templates/reference.docx" --output="$out/report.docx"
;; esac

case " $STEPS " in *" pdf "*)

# 2. pandoc: Markdown -> Typst, through the report's Typst template.
"$PANDOC" "$md" --from=markdown --to=typst --standalone \
    --template="$templates/report.typ" --output="$out/report.typ"

# 3. the typst Python package: Typst -> PDF.
"$PYTHON" -c '
import sys
import typst
typst.compile(sys.argv[1], output=sys.argv[2], font_paths=[sys.argv[3]],
              ignore_system_fonts=True)
' "$out/report.typ" "$out/report.pdf" "$fonts"
;; esac
