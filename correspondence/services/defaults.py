"""The standard letter types and disposition instructions every tenant starts with."""

from __future__ import annotations

from organizations.models import Tenant

from ..choices import (
    LetterScope,
    SignerRule,
)
from ..models import (
    DispositionInstruction,
    LetterType,
)

DEFAULT_TYPES = [
    # code, name, scope, signer rule, creates_event, multiple signers
    ("surat_dinas", "Surat Dinas", LetterScope.BOTH, SignerRule.UNIT_HEAD, False, False),
    ("nota_dinas", "Nota Dinas", LetterScope.INTERNAL, SignerRule.UNIT_HEAD, False, False),
    ("undangan", "Surat Undangan", LetterScope.BOTH, SignerRule.UNIT_HEAD, True, False),
    ("surat_edaran", "Surat Edaran", LetterScope.BOTH, SignerRule.OPD_HEAD, False, False),
    ("surat_tugas", "Surat Tugas", LetterScope.INTERNAL, SignerRule.UNIT_HEAD, False, False),
    ("memo", "Memo", LetterScope.INTERNAL, SignerRule.UNIT_HEAD, False, False),
    ("surat_keterangan", "Surat Keterangan", LetterScope.BOTH, SignerRule.UNIT_HEAD, False, False),
    ("surat_keputusan", "Surat Keputusan", LetterScope.BOTH, SignerRule.OPD_HEAD, False, False),
    ("berita_acara", "Berita Acara", LetterScope.BOTH, SignerRule.UNIT_HEAD, False, True),
    ("surat_kuasa", "Surat Kuasa", LetterScope.BOTH, SignerRule.UNIT_HEAD, False, False),
    ("telaahan_staf", "Telaahan Staf", LetterScope.INTERNAL, SignerRule.ANY_SIGNER, False, False),
    ("instruksi", "Instruksi", LetterScope.INTERNAL, SignerRule.OPD_HEAD, False, False),
    ("surat_perintah", "Surat Perintah", LetterScope.INTERNAL, SignerRule.UNIT_HEAD, False, False),
    ("surat_pengantar", "Surat Pengantar", LetterScope.BOTH, SignerRule.UNIT_HEAD, False, False),
    ("pengumuman", "Pengumuman", LetterScope.BOTH, SignerRule.UNIT_HEAD, False, False),
    ("surat_pernyataan", "Surat Pernyataan", LetterScope.BOTH, SignerRule.UNIT_HEAD, False, False),
    ("laporan", "Laporan", LetterScope.INTERNAL, SignerRule.ANY_SIGNER, False, False),
    ("notula", "Notula", LetterScope.INTERNAL, SignerRule.ANY_SIGNER, False, False),
]


# Outage numbers each unit holds per type (the tenant file's `outage_block` changes them): the
# types an office makes by hand when the platform is down.
OUTAGE_BLOCKS = {"surat_dinas": 5, "nota_dinas": 5, "undangan": 3, "surat_tugas": 3}


DEFAULT_INSTRUCTIONS = [
    ("tindak_lanjuti", "Tindak lanjuti", False),
    ("pelajari", "Pelajari dan laporkan", False),
    ("hadiri", "Hadiri/wakili", True),
    ("siapkan_jawaban", "Siapkan jawaban", False),
    ("diketahui", "Untuk diketahui", False),
    ("arsipkan", "Arsipkan", False),
    ("koordinasikan", "Koordinasikan", False),
]


def letter_types_ensure_defaults(tenant: Tenant) -> int:
    """Create the standard letter types and instructions a tenant lacks; returns how many."""
    made = 0
    for order, (code, name, scope, rule, event, multi) in enumerate(DEFAULT_TYPES):
        _, created = LetterType.objects.get_or_create(
            tenant=tenant,
            code=code,
            defaults={
                "name": name,
                "scope": scope,
                "signer_rule": rule,
                "creates_event": event,
                "multiple_signers": multi,
                "sort_order": order * 10,
                "outage_block": OUTAGE_BLOCKS.get(code, 0),
            },
        )
        made += created
    for order, (code, text, represents) in enumerate(DEFAULT_INSTRUCTIONS):
        _, created = DispositionInstruction.objects.get_or_create(
            tenant=tenant,
            code=code,
            defaults={"text": text, "represents": represents, "sort_order": order * 10},
        )
        made += created
    return made
