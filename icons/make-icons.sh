#!/usr/bin/env bash
# Regenerates the app icons from ui/static/icon.svg (the project's own drawing) with ImageMagick.
set -euo pipefail
cd "$(dirname "$0")"
svg=../ui/static/icon.svg
convert -background none -density 1200 "$svg" -resize 512x512 -depth 8 PNG32:icon.png
convert -background none -density 1200 "$svg" -resize 32x32 -depth 8 PNG32:32x32.png
convert -background none -density 1200 "$svg" -resize 128x128 -depth 8 PNG32:128x128.png
convert -background none -density 1200 "$svg" -resize 256x256 -depth 8 PNG32:128x128@2x.png
convert icon.png -define icon:auto-resize=256,64,48,32,16 icon.ico
