#!/usr/bin/env bash
# Install the system packages the tests use when they are missing: Debian's Chromium (browser
# tests drive it through Playwright; no tool downloads a browser of its own) and poppler-utils
# (pdftoppm renders PDF pages to PNG; pdffonts lists a PDF's fonts), qpdf (`qpdf --check` on
# every official PDF), faketime (`make test-future` moves the clock two years ahead),
# Tesseract with its Indonesian model (OCR of scans) and Dovecot (the IMAP intake tests). Needs
# root and apt-get; otherwise it says what to do.
set -euo pipefail
need=()
[ -x /usr/bin/chromium ] || need+=(chromium chromium-driver)
command -v pdftoppm >/dev/null 2>&1 || need+=(poppler-utils)
command -v qpdf >/dev/null 2>&1 || need+=(qpdf)
command -v msgfmt >/dev/null 2>&1 || need+=(gettext)
command -v faketime >/dev/null 2>&1 || need+=(faketime)
# OCR of scans: Tesseract with the Indonesian model (ocrmypdf drives it; no Ghostscript needed).
command -v tesseract >/dev/null 2>&1 || need+=(tesseract-ocr)
[ -f /usr/share/tesseract-ocr/5/tessdata/ind.traineddata ] || need+=(tesseract-ocr-ind)
# A real IMAP server for the e-mail intake tests (started by the tests on loopback).
[ -x /usr/sbin/dovecot ] || need+=(dovecot-imapd)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing ${need[*]} ..."
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
else
  echo "Missing system packages: ${need[*]}. Install them with apt-get (as root)." >&2
  [ "${CI:-}" = "true" ] && exit 1
fi
exit 0
