# Copyright 2026 stock_marketplace_feed authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
{
    "name": "Online Store Feeds (Marketplace Stock Files)",
    "summary": "Publish products and stock as XLSX, XLS, CSV or XML files at secret "
    "links that marketplaces and online stores download on a schedule",
    "version": "18.0.1.0.0",
    "category": "Inventory/Inventory",
    "website": "https://github.com/stock-marketplace-feed/stock_marketplace_feed",
    "author": "stock_marketplace_feed authors",
    "license": "LGPL-3",
    "depends": ["stock", "mail"],
    "external_dependencies": {"python": ["openpyxl", "xlrd", "xlwt"]},
    "data": [
        "security/ir.model.access.csv",
        "security/marketplace_feed_security.xml",
        "data/marketplace_feed_data.xml",
        "data/marketplace_feed_template_data.xml",
        "data/marketplace_feed_health_data.xml",
        "views/marketplace_feed_templates.xml",
        "wizards/marketplace_feed_sample_wizard_views.xml",
        "wizards/marketplace_feed_preview_views.xml",
        "views/marketplace_feed_views.xml",
        "views/marketplace_feed_fetch_views.xml",
        "views/marketplace_feed_file_views.xml",
        "views/marketplace_feed_health_views.xml",
        "views/marketplace_feed_template_views.xml",
        "views/res_config_settings_views.xml",
        "views/stock_marketplace_feed_menus.xml",
    ],
    "demo": ["demo/stock_marketplace_feed_demo.xml"],
    "assets": {
        "web.assets_tests": [
            "stock_marketplace_feed/static/tests/tours/*.js",
        ],
    },
}
