# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import io
import os

import polib

from odoo.modules.module import get_module_path
from odoo.tests import TransactionCase, tagged
from odoo.tools.translate import trans_export

MODULE = "stock_marketplace_feed"


@tagged("post_install", "-at_install")
class TestI18n(TransactionCase):
    """The translation files follow the add-on's terms: a term added to the
    code or the views without exporting the .pot again fails here."""

    def _read(self, file_name):
        path = os.path.join(get_module_path(MODULE), "i18n", file_name)
        return polib.pofile(path)

    def test_pot_lists_the_terms_odoo_exports(self):
        buffer = io.BytesIO()
        trans_export(None, [MODULE], buffer, "po", self.env.cr)
        # Less the sample shop's product names: the demo data is not translated.
        # Every demo xml id ends in "_demo" (its templates' ids then go on).
        exported = {
            entry.msgid
            for entry in polib.pofile(buffer.getvalue().decode())
            if not all(
                "_demo" in occurrence.rsplit(".", 1)[-1]
                for occurrence, _line in entry.occurrences
            )
        }
        # Only this way round: the .pot may also hold terms of fields other
        # modules add to the add-on's models ("Ratings" with website_sale).
        listed = {entry.msgid for entry in self._read(f"{MODULE}.pot")}
        self.assertEqual(exported - listed, set(), "terms missing from the .pot")

    def test_every_language_translates_every_term(self):
        terms = {entry.msgid for entry in self._read(f"{MODULE}.pot")}
        for lang in ("fr", "uk"):
            with self.subTest(lang=lang):
                translations = self._read(f"{lang}.po")
                self.assertEqual({entry.msgid for entry in translations}, terms)
                self.assertEqual(
                    [
                        entry.msgid
                        for entry in translations
                        if not entry.msgstr or entry.fuzzy
                    ],
                    [],
                )
