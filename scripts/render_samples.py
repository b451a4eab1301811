"""Render page one of a sample of every letter type to docs/samples/<type>.png (needs pdftoppm).

.venv/bin/python scripts/render_samples.py
"""

import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "naskah.settings")
os.environ.setdefault("NASKAH_DEBUG", "true")

import django

django.setup()

from correspondence.pdf import render, samples

out = ROOT / "docs" / "samples"
out.mkdir(parents=True, exist_ok=True)
with tempfile.TemporaryDirectory() as tmp:
    for code, name in samples.TYPES:
        pdf = Path(tmp) / f"{code}.pdf"
        pdf.write_bytes(render.render_letter(samples.sample_doc(code, name, long=False)))
        subprocess.run(["pdftoppm", "-png", "-r", "60", "-singlefile", pdf, out / code], check=True)
        sys.stdout.write(f"docs/samples/{code}.png\n")
