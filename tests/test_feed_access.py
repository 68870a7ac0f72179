# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import MarketplaceFeedCase

LINK_FIELDS = ("access_token", "public_url")
FIELD_REFUSED = 'enough rights to access the fields "{field}"'
RULE_REFUSED = "doesn't have '{operation}' access to"


def acl_refused(verb, model="marketplace.feed"):
    return f"You are not allowed to {verb} .*\\({model}\\) records"


@tagged("post_install", "-at_install")
class TestFeedAccess(MarketplaceFeedCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.internal_user = new_test_user(
            cls.env, login="feed_internal", name="Internal", groups="base.group_user"
        )
        cls.company_b = cls.env["res.company"].create({"name": "Feed Co B"})
        cls.manager_b = cls._new_feed_manager(
            "feed_manager_b", cls.company_b, name="Feed Manager B"
        )
        cls.feed_b = cls.env["marketplace.feed"].create(
            {
                "name": "Store B",
                "company_id": cls.company_b.id,
                "warehouse_ids": [
                    Command.set(
                        cls.env["stock.warehouse"]
                        .search([("company_id", "=", cls.company_b.id)])
                        .ids
                    )
                ],
                "user_id": cls.manager_b.id,
                "column_ids": [cls._column("Name", field_path="name")],
            }
        )

    def _feeds_as(self, user):
        return self.env["marketplace.feed"].with_user(user)

    def _assert_refused(self, message, operation, *args):
        """``operation(*args)`` raises ``message``; what it did is rolled back."""
        with self.assertRaisesRegex(AccessError, message), self.env.cr.savepoint():
            operation(*args)

    def test_manager_creates_edits_and_deletes_feeds(self):
        feed = self._feeds_as(self.manager).create(
            {
                "name": "Manager Store",
                "warehouse_ids": [Command.set(self.warehouse_a.ids)],
                "column_ids": [self._column("Code", field_path="default_code")],
            }
        )
        feed.write(
            {
                "enabled": True,
                "header_row": 2,
                "column_ids": [Command.create({"header": "Qty", "kind": "quantity"})],
            }
        )
        self.assertEqual(feed.column_ids.mapped("header"), ["Code", "Qty"])
        link = feed.read(list(LINK_FIELDS))[0]
        self.assertIn(link["access_token"], link["public_url"])
        old_token = link["access_token"]
        feed.action_regenerate_token()
        self.assertNotEqual(feed.access_token, old_token)
        feed.column_ids[-1].unlink()
        feed.unlink()
        self.assertFalse(feed.exists())

    def test_stock_user_reads_feeds_without_changing_them(self):
        feed = self._feeds_as(self.stock_user).browse(self.feed.id)
        self.assertIn(feed, feed.search([]))
        self.assertEqual(feed.read(["name", "state"])[0]["name"], "Test Store")
        self.assertEqual(len(feed.column_ids), 3)
        column = feed.column_ids[0]
        for message, operation, *args in (
            (acl_refused("modify"), feed.write, {"name": "Renamed"}),
            (acl_refused("modify"), feed.action_regenerate_token),
            (acl_refused("create"), feed.create, {"name": "New"}),
            (acl_refused("delete"), feed.unlink),
            (
                acl_refused("modify", "marketplace.feed.column"),
                column.write,
                {"header": "Renamed"},
            ),
            (acl_refused("delete", "marketplace.feed.column"), column.unlink),
        ):
            with self.subTest(operation=operation.__name__):
                self._assert_refused(message, operation, *args)
        self.assertEqual(self.feed.name, "Test Store")
        self.assertEqual(len(self.feed.column_ids), 3)

    def test_stock_user_cannot_read_the_link(self):
        feeds = self._feeds_as(self.stock_user)
        feed = feeds.browse(self.feed.id)
        token = self.feed.access_token
        for field in LINK_FIELDS:
            message = FIELD_REFUSED.format(field=field)
            with self.subTest(field=field):
                self._assert_refused(message, feed.read, [field])
                self._assert_refused(message, feeds.search_read, [], [field])
        self._assert_refused(
            FIELD_REFUSED.format(field="access_token"),
            feeds.search,
            [("access_token", "=like", f"{token[0]}%")],
        )
        self.assertNotIn("access_token", feeds.fields_get())

    def test_internal_user_without_inventory_rights_sees_nothing(self):
        for model in (
            "marketplace.feed",
            "marketplace.feed.column",
            "marketplace.feed.fetch",
            "marketplace.feed.file",
        ):
            records = self.env[model].with_user(self.internal_user)
            message = acl_refused("access", model)
            with self.subTest(model=model):
                self._assert_refused(message, records.search, [])
        feed = self._feeds_as(self.internal_user).browse(self.feed.id)
        self._assert_refused(acl_refused("access"), feed.read, ["name"])

    def test_companies_do_not_see_each_other_feeds(self):
        files = self.env["marketplace.feed.file"].create(
            [{"feed_id": self.feed.id}, {"feed_id": self.feed_b.id}]
        )
        for user, own in ((self.manager_b, self.feed_b), (self.manager, self.feed)):
            with self.subTest(user=user.login, model="marketplace.feed.file"):
                visible = (
                    self.env["marketplace.feed.file"]
                    .with_user(user)
                    .search([("id", "in", files.ids)])
                )
                self.assertEqual(visible.feed_id, own)
        for user, own, foreign in (
            (self.manager_b, self.feed_b, self.feed),
            (self.manager, self.feed, self.feed_b),
            (self.stock_user, self.feed, self.feed_b),
        ):
            with self.subTest(user=user.login):
                feeds = self._feeds_as(user)
                self.assertEqual(feeds.search([("id", "in", (own | foreign).ids)]), own)
                self.assertFalse(
                    self.env["marketplace.feed.column"]
                    .with_user(user)
                    .search([("feed_id", "=", foreign.id)])
                )
                self._assert_refused(
                    RULE_REFUSED.format(operation="read"),
                    feeds.browse(foreign.id).read,
                    ["name"],
                )

    def test_manager_cannot_change_other_company_feeds(self):
        foreign = self._feeds_as(self.manager_b).browse(self.feed.id)
        self._assert_refused(
            RULE_REFUSED.format(operation="write"), foreign.write, {"name": "Mine"}
        )
        self._assert_refused(
            RULE_REFUSED.format(operation="(read|unlink)"), foreign.unlink
        )
        self._assert_refused(
            RULE_REFUSED.format(operation="(read|create)"),
            self.env["marketplace.feed.column"].with_user(self.manager_b).create,
            {"feed_id": self.feed.id, "header": "Mine", "kind": "quantity"},
        )
        self.assertEqual(self.feed.name, "Test Store")
        self.assertEqual(len(self.feed.column_ids), 3)
        self._assert_refused(
            RULE_REFUSED.format(operation="create"),
            self._feeds_as(self.manager).create,
            {
                "name": "Into B",
                "company_id": self.company_b.id,
                "warehouse_ids": [Command.set(self.feed_b.warehouse_ids.ids)],
                "user_id": self.manager_b.id,
            },
        )
