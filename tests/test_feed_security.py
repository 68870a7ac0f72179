# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The security matrix of issue 15: one secret per purpose, least privilege,
an allowlist of what a file may publish."""

import base64
import io
import zipfile
from unittest.mock import patch
from urllib.parse import urlsplit

from PIL import Image

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import HttpCase, new_test_user, tagged

from ..controllers.feed import IMAGE_MAX_AGE
from ..models.marketplace_feed_column_mixin import MarketplaceFeedColumnMixin
from .common import MarketplaceFeedCase

IMAGE_CACHE_CONTROL = "public, max-age=31536000, immutable"


def _png(color):
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), color).save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue())


def _contents(data):
    """``data`` and, for a zip (XLSX), each of its members uncompressed."""
    if not data.startswith(b"PK"):
        return [data]
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return [data, *(archive.read(name) for name in archive.namelist())]


class FeedSecurityCase(MarketplaceFeedCase, HttpCase):
    """The shared feed, published, with an Images column; FEED-A (in the
    file) and FEED-B (out of stock in warehouse A: not in the file) have
    images."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.feed.write(
            {"enabled": True, "column_ids": [cls._column("Images", kind="images")]}
        )
        cls.product_a.product_tmpl_id.image_1920 = _png("red")
        cls.product_a.image_variant_1920 = _png("blue")
        cls.product_b.image_1920 = _png("green")

    def _fetch(self, url, **headers):
        path = urlsplit(url)._replace(scheme="", netloc="").geturl()
        return self.url_open(path, headers={"Accept-Encoding": "identity", **headers})

    def _image_links(self, code="FEED-A"):
        """The image links of product ``code`` in a newly generated file."""
        content, _stats = self._generate(self.feed)
        links = self._rows_by_code(self._read_csv(content))[code][3]
        return links.split(", ") if links else []

    def _image_link(self, product, checksum, feed=None):
        """A correctly signed image link, whether the file lists it or not."""
        feed = feed or self.feed
        signature = feed._get_image_signer()(product.id, checksum)
        return f"{feed._get_image_url_prefix()}/{product.id}/{checksum}/{signature}"

    def _assert_not_found(self, response):
        self.assertEqual(response.status_code, 404)
        self.assertEqual(response.content, b"Not Found")


@tagged("post_install", "-at_install")
class TestTokenStaysSecret(FeedSecurityCase):
    """The token that opens the file is in no file, preview, message or
    attachment."""

    def test_token_absent_from_every_file_format(self):
        token = self.feed.access_token.encode()
        for file_type, _label in self.feed._fields["file_type"].selection:
            with self.subTest(file_type=file_type):
                self.feed.file_type = file_type
                content, stats = self._generate(self.feed)
                self.assertGreaterEqual(stats["rows"], 1)
                texts = _contents(content)
                if file_type == "xls":
                    rows = self._read_xls(content)
                    texts.append(str(rows).encode())
                    self.assertTrue(
                        any("/marketplace-feed/image/" in str(r) for r in rows)
                    )
                else:
                    self.assertTrue(
                        any(b"/marketplace-feed/image/" in text for text in texts),
                        "the file has image links",
                    )
                for text in texts:
                    self.assertNotIn(token, text)

    def test_token_absent_from_preview_messages_and_attachments(self):
        token = self.feed.access_token
        self._generate(self.feed)
        self.feed.action_regenerate_token()
        self.feed.action_regenerate_image_links()
        self.feed.write({"name": "Renamed Store", "file_name": "renamed"})
        token = self.feed.access_token
        action = self.feed.action_preview()
        preview = (
            self.env[action["res_model"]]
            .with_context(**action["context"])
            .create({})
            .preview_html
        )
        self.assertIn("/marketplace-feed/image/", preview)
        self.assertNotIn(token, preview)
        self._generate(self.feed)
        messages = self.env["mail.message"].search(
            [("model", "=", "marketplace.feed"), ("res_id", "=", self.feed.id)]
        )
        self.assertTrue(messages)
        for message in messages:
            texts = [str(message.body)] + [
                str(value.old_value_char) + str(value.new_value_char)
                for value in message.sudo().tracking_value_ids
            ]
            self.assertNotIn(token, "".join(texts))
        attachments = self.env["ir.attachment"].with_user(self.stock_user).search([])
        self.assertTrue(attachments)
        for attachment in attachments.sudo() | self.feed.file_id.attachment_id:
            for text in _contents(attachment.raw or b""):
                self.assertNotIn(token.encode(), text, attachment.name)

    def test_inventory_users_read_neither_secret(self):
        feed = self.feed.with_user(self.stock_user)
        for name in ("access_token", "image_secret", "public_url"):
            with self.subTest(name):
                self.assertNotIn(name, set(feed.fields_get()))
                with self.assertRaises(AccessError):
                    feed.read([name])


@tagged("post_install", "-at_install")
class TestImageLinks(FeedSecurityCase):
    """Each image link is a credential of its own, for one image."""

    def test_image_link_serves_one_image_immutably(self):
        links = self._image_links()
        self.assertEqual(len(links), 2, "the variant's and the template's image")
        images = [self.product_a.image_variant_1920, self.product_a.image_1920]
        images[1] = self.product_a.product_tmpl_id.image_1920
        for link, image in zip(links, images, strict=True):
            response = self._fetch(link)
            self.assertEqual(response.status_code, 200)
            self.assertEqual(response.content, base64.b64decode(image))
            self.assertEqual(response.headers["Cache-Control"], IMAGE_CACHE_CONTROL)
            self.assertEqual(IMAGE_MAX_AGE, 31536000)
        checksum = self._image_checksum(self.product_a, "image_variant_1920")
        self.assertIn(f"/{self.product_a.id}/{checksum}/", links[0])

    def test_image_links_survive_a_file_link_rotation(self):
        links = self._image_links()
        self.feed.action_regenerate_token()
        for link in links:
            self.assertEqual(self._fetch(link).status_code, 200)
        self.assertEqual(self._image_links(), links, "the new file has the same")

    def test_changed_image_gets_a_new_link(self):
        old_link = self._image_links()[0]
        self.product_a.image_variant_1920 = _png("yellow")
        self._assert_not_found(self._fetch(old_link))
        new_link = self._image_links()[0]
        self.assertNotEqual(new_link, old_link)
        response = self._fetch(new_link)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            response.content, base64.b64decode(self.product_a.image_variant_1920)
        )

    def test_rotating_the_image_secret_replaces_the_links(self):
        links = self._image_links()
        self.feed.action_regenerate_image_links()
        self.assertTrue(self.feed.generation_id, "a generation is queued")
        for link in links:
            self._assert_not_found(self._fetch(link))
        new_links = self._image_links()
        self.assertNotEqual(new_links, links)
        self.assertEqual(self._fetch(new_links[0]).status_code, 200)

    def test_image_refusals_are_404(self):
        link = self._image_links()[0]
        prefix, checksum, signature = link.rsplit("/", 2)
        other_company = self.env["res.company"].create({"name": "Image Other Co"})
        foreign = self.env["product.product"].create(
            {
                "name": "Feed Foreign Chair",
                "is_storable": True,
                "company_id": other_company.id,
                "image_1920": _png("white"),
            }
        )
        b_checksum = self._image_checksum(self.product_b.product_tmpl_id, "image_1920")
        self.assertTrue(b_checksum)
        other_feed = self.feed.copy({"name": "Other Store"})
        refused = {
            "product outside the file (out of stock)": self._image_link(
                self.product_b, b_checksum
            ),
            "product of another company": self._image_link(
                foreign, self._image_checksum(foreign.product_tmpl_id, "image_1920")
            ),
            "wrong signature": f"{prefix}/{checksum}/{signature[:-2]}AA",
            "no signature": f"{prefix}/{checksum}/-",
            "the file's token as signature": (
                f"{prefix}/{checksum}/{self.feed.access_token}"
            ),
            "another product's signature": (
                f"{self.feed._get_image_url_prefix()}/{self.product_b.id}/"
                f"{checksum}/{signature}"
            ),
            "another image's checksum": f"{prefix}/{b_checksum}/{signature}",
            "another feed's signature": (
                f"{other_feed._get_image_url_prefix()}/{self.product_a.id}/"
                f"{checksum}/{signature}"
            ),
            "id out of range": (
                f"{self.feed._get_image_url_prefix()}/{2**31}/{checksum}/{signature}"
            ),
            "id not a number": (
                f"{self.feed._get_image_url_prefix()}/x{self.product_a.id}/"
                f"{checksum}/{signature}"
            ),
        }
        for label, url in refused.items():
            with self.subTest(label):
                self._assert_not_found(self._fetch(url))
        self.assertEqual(self._fetch(link).status_code, 200)
        self.feed.enabled = False
        self._assert_not_found(self._fetch(link))

    def test_product_left_out_of_the_new_file_loses_its_images(self):
        """Out of stock, FEED-A is no longer in the file, though the feed's
        products filter still matches it."""
        link = self._image_links()[0]
        self.env["stock.quant"]._update_available_quantity(
            self.product_a, self.warehouse_a.lot_stock_id, -5
        )
        content, _stats = self._generate(self.feed)
        self.assertNotIn("FEED-A", self._rows_by_code(self._read_csv(content)))
        self._assert_not_found(self._fetch(link))

    def test_file_records_the_products_it_holds(self):
        product_ids = [1, 7, 8, 23, 24, 25, 1000]
        file = self.env["marketplace.feed.file"].create(
            {"feed_id": self.feed.id, "state": "failed"}
        )
        for part in (product_ids[3:], [], product_ids[:3]):
            file.product_bitmap = file._get_product_bitmap(part)
        self.env.flush_all()
        held = [pid for pid in range(1100) if file._holds_product(pid)]
        self.assertEqual(held, product_ids)
        self.assertFalse(file._holds_product(2**31 - 1))


@tagged("post_install", "-at_install")
class TestManagersOnly(FeedSecurityCase):
    """Download and Preview show what the responsible user's rights make of
    the file: feed managers only, through the buttons, the methods and the
    routes."""

    def test_stock_user_cannot_preview_or_download(self):
        feed = self.feed.with_user(self.stock_user)
        for method in (feed.action_preview, feed.action_download):
            with self.subTest(method.__name__), self.assertRaises(AccessError):
                method()
        with self.assertRaises(AccessError):
            self.env["marketplace.feed.preview"].with_user(self.stock_user).create(
                {"feed_id": self.feed.id}
            )
        arch = (
            self.env["marketplace.feed"]
            .with_user(self.stock_user)
            .get_views([(False, "form")])["views"]["form"]["arch"]
        )
        for button in ("action_preview", "action_download"):
            self.assertNotIn(button, arch)
        self.assertFalse(hasattr(self.env["marketplace.feed"], "preview_html"))

    def test_download_route_is_for_managers_and_never_generates(self):
        url = self.feed.action_download()["url"]
        self.authenticate("feed_manager", "feed_manager")
        self.assertEqual(self.url_open(url).status_code, 404, "no file yet")
        self.assertFalse(self.feed.file_ids, "a download generates nothing")
        content, _stats = self._generate(self.feed)
        response = self.url_open(url)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.content, content)
        self.authenticate("feed_stock_user", "feed_stock_user")
        self.assertEqual(self.url_open(url).status_code, 404)

    def test_multi_company_manager_previews_a_single_company_feed(self):
        """The UI's allowed companies do not reach the generation: the
        responsible user belongs to one of them only."""
        company_b = self.env["res.company"].create({"name": "Preview Co B"})
        manager = self._new_feed_manager(
            "feed_manager_ab",
            company_ids=[Command.set((self.company | company_b).ids)],
        )
        self.assertEqual(self.feed.user_id.company_ids, self.company)
        feed = self.feed.with_user(manager).with_context(
            allowed_company_ids=[company_b.id, self.company.id]
        )
        action = feed.action_preview()
        preview = (
            self.env[action["res_model"]]
            .with_user(manager)
            .with_context(
                allowed_company_ids=[company_b.id, self.company.id],
                **action["context"],
            )
            .create({})
        )
        self.assertIn("<th>Code</th>", preview.preview_html)
        self.assertIn("FEED-A", preview.preview_html)


@tagged("post_install", "-at_install")
class TestResponsibleUser(MarketplaceFeedCase):
    def _assert_responsible_refused(self, user, message):
        with (
            self.assertRaisesRegex(ValidationError, message),
            self.env.cr.savepoint(),
        ):
            self.feed.user_id = user

    def test_superusers_and_users_without_rights_are_refused(self):
        archived = new_test_user(
            self.env,
            login="feed_archived",
            groups="base.group_user,stock.group_stock_manager",
        )
        archived.active = False
        other_company = self.env["res.company"].create({"name": "Resp Other Co"})
        refused = [
            ("is a superuser", self.env.ref("base.user_root")),
            ("is not an active internal user", archived),
            (
                "is not an active internal user",
                new_test_user(
                    self.env, login="feed_portal", groups="base.group_portal"
                ),
            ),
            (
                "has no inventory rights in",
                new_test_user(
                    self.env, login="feed_no_stock", groups="base.group_user"
                ),
            ),
            (
                "has no inventory rights in",
                self._new_feed_manager("feed_other_co_manager", other_company),
            ),
        ]
        for message, user in refused:
            with self.subTest(message, user=user.login):
                self._assert_responsible_refused(user, f"Responsible: .*{message}")
        self.feed.invalidate_recordset(["user_id"])
        self.assertEqual(self.feed.user_id, self.manager)
        self.feed.user_id = self.stock_user
        self.assertEqual(self.feed.user_id, self.stock_user)

    def test_generation_refuses_a_responsible_archived_since(self):
        self.manager.active = False
        with (
            self.assertRaisesRegex(UserError, "is not an active internal user"),
            self.env.cr.savepoint(),
        ):
            self._generate(self.feed)

    def test_user_picker_offers_inventory_users(self):
        domain = self.env["marketplace.feed"].fields_get(["user_id"])["user_id"][
            "domain"
        ]
        stock_group = self.env.ref("stock.group_stock_user")
        self.assertIn(f"('groups_id', 'in', {stock_group.id})", domain)


@tagged("post_install", "-at_install")
class TestColumnAllowlist(MarketplaceFeedCase):
    """What used to leak is refused, naming the path; a product catalogue's
    models are allowed; modules extend the list through one method."""

    def _add_column(self, path, feed=None, user=None):
        feed = (feed or self.feed).with_user(user or self.manager)
        feed.write({"column_ids": [self._column("Extra", field_path=path)]})

    def _assert_refused(self, path, message, **kwargs):
        with (
            self.assertRaisesRegex(ValidationError, message),
            self.env.cr.savepoint(),
        ):
            self._add_column(path, **kwargs)

    def test_paths_that_leaked_are_refused(self):
        leaks = [
            "seller_ids.partner_id.bank_ids.acc_number",
            "seller_ids.partner_id.email",
            "seller_ids.price",
            "seller_ids",
            "product_tmpl_id.seller_ids.price",
            "responsible_id.login",
            "company_id.name",
            "create_uid.login",
            "message_partner_ids.email",
            "activity_user_id",
            "activity_summary",
            "product_document_ids.access_token",
        ]
        if "website_id" in self.env["product.product"]._fields:
            leaks.append("website_id.name")
        for path in leaks:
            with self.subTest(path):
                self._assert_refused(
                    path,
                    f"the product field {path} reaches .* which a feed file may "
                    "not publish",
                )

    def test_catalogue_paths_are_allowed(self):
        paths = [
            "categ_id.parent_id.name",
            "uom_id.name",
            "product_tag_ids",
            "product_tmpl_id.attribute_line_ids.attribute_id.name",
            "product_template_attribute_value_ids.product_attribute_value_id.name",
            "currency_id.name",
            "standard_price",
            "categ_id.id",
        ]
        for path in paths:
            with self.subTest(path):
                self._add_column(path)
        self.assertEqual(
            self.feed.column_ids.mapped("field_path")[-len(paths) :], paths
        )

    def test_modules_extend_the_allowlist(self):
        allowed = MarketplaceFeedColumnMixin._get_allowed_column_models

        def with_vendor_lines(self):
            return allowed(self) | {"product.supplierinfo"}

        with patch.object(
            MarketplaceFeedColumnMixin,
            "_get_allowed_column_models",
            with_vendor_lines,
        ):
            self._add_column("seller_ids.price")
        self.assertEqual(self.feed.column_ids[-1].field_path, "seller_ids.price")

    def test_fields_the_responsible_user_lacks_are_refused(self):
        """Checked with the editing user's rights and the responsible's."""
        barcode = self.env["product.product"]._fields["barcode"]
        with patch.object(barcode, "groups", "stock.group_stock_manager"):
            self.feed.user_id = self.stock_user
            self._assert_refused(
                "barcode", "the product field barcode is not readable by Stock User"
            )
            self.feed.user_id = self.manager
            self._add_column("barcode")
            with (
                self.assertRaisesRegex(ValidationError, "not readable by Stock User"),
                self.env.cr.savepoint(),
            ):
                self.feed.user_id = self.stock_user
        with patch.object(barcode, "groups", "base.group_system"):
            admin = self.env.ref("base.user_admin")
            self.feed.user_id = admin
            # The editing user's rights:
            self._assert_refused(
                "barcode", "the product field barcode is not readable by Feed Manager"
            )
            self._add_column("barcode", user=admin)
            # The responsible user's:
            with (
                self.assertRaisesRegex(ValidationError, "not readable by Feed Man"),
                self.env.cr.savepoint(),
            ):
                self.feed.with_user(admin).user_id = self.manager


@tagged("post_install", "-at_install")
class TestTemplateCompanies(MarketplaceFeedCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_b = cls.env["res.company"].create({"name": "Template Co B"})
        cls.manager_b = cls._new_feed_manager("feed_template_b", cls.company_b)
        cls.feed.write({"store_url": "https://a.example.com"})
        action = cls.feed.with_user(cls.manager).action_save_as_template()
        cls.template = cls.env["marketplace.feed.template"].browse(action["res_id"])

    def test_saved_template_belongs_to_its_company(self):
        self.assertEqual(self.template.company_id, self.company)
        templates = self.env["marketplace.feed.template"].with_user(self.manager_b)
        visible = templates.search([])
        self.assertNotIn(self.template, visible)
        self.assertFalse(
            self.env["marketplace.feed.template.column"]
            .with_user(self.manager_b)
            .search([("template_id", "=", self.template.id)])
        )
        with self.assertRaises(AccessError):
            templates.browse(self.template.id).read(["store_url"])
        self.assertIn(self.template, templates.with_user(self.manager).search([]))

    def test_shipped_templates_are_shared(self):
        shipped = self.env.ref("stock_marketplace_feed.marketplace_feed_template_prom")
        self.assertFalse(shipped.company_id)
        for user in (self.manager, self.manager_b):
            with self.subTest(user=user.login):
                templates = self.env["marketplace.feed.template"].with_user(user)
                self.assertIn(shipped, templates.search([]))

    def test_feed_of_another_company_cannot_use_the_template(self):
        feed_b = self.env["marketplace.feed"].create(
            {
                "name": "Store B",
                "company_id": self.company_b.id,
                "user_id": self.manager_b.id,
                "warehouse_ids": [
                    Command.set(
                        self.env["stock.warehouse"]
                        .search([("company_id", "=", self.company_b.id)])
                        .ids
                    )
                ],
            }
        )
        with (
            self.assertRaisesRegex(UserError, "[Ii]ncompatible compan"),
            self.env.cr.savepoint(),
        ):
            feed_b.template_id = self.template


@tagged("post_install", "-at_install")
class TestSpreadsheetSafety(MarketplaceFeedCase):
    def test_csv_escapes_formulas_when_asked(self):
        self.product_a.name = '=HYPERLINK("http://x")'
        content, _stats = self._generate(self.feed)
        self.assertEqual(
            self._rows_by_code(self._read_csv(content))["FEED-A"][1],
            '=HYPERLINK("http://x")',
            "raw by default",
        )
        self.assertFalse(self.feed.escape_formulas)
        self.feed.escape_formulas = True
        content, _stats = self._generate(self.feed)
        self.assertEqual(
            self._rows_by_code(self._read_csv(content))["FEED-A"][1:3],
            ['\'=HYPERLINK("http://x")', "5"],
        )
