/** @odoo-module **/
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import {registry} from "@web/core/registry";

function addColumn(header, kind) {
    return [
        {
            content: `Add the column ${header}`,
            trigger: ".o_field_widget[name=column_ids] .o_field_x2many_list_row_add > a",
            run: "click",
        },
        {
            trigger: ".o_selected_row .o_field_widget[name=header] input",
            run: `edit ${header}`,
        },
        {
            trigger: ".o_selected_row .o_field_widget[name=kind] select",
            run: `select "${kind}"`,
        },
    ];
}

registry.category("web_tour.tours").add("stock_marketplace_feed_tour", {
    url: "/odoo/action-stock.action_stock_config_settings",
    steps: () => [
        {
            content: "Open the feed files from the Online store integration block",
            trigger: "#marketplace_feed_setting button:contains('Configure')",
            run: "click",
        },
        {
            trigger: ".o_list_button_add",
            run: "click",
        },
        {
            trigger: ".o_field_widget[name=name] input",
            run: "edit Tour Store",
        },
        {
            trigger: ".o_field_widget[name=store_url] input",
            run: "edit https://tour.example.com",
        },
        {
            trigger: ".o_field_widget[name=warehouse_ids] input",
            run: "edit Tour WH",
        },
        {
            trigger: ".o-autocomplete--dropdown-item > a:contains('Tour WH')",
            run: "click",
        },
        {
            trigger: ".o_field_widget[name=file_type] select",
            run: 'select "csv"',
        },
        {
            trigger: ".o_field_widget[name=csv_delimiter] select",
            run: 'select "semicolon"',
        },
        {
            trigger: ".o_field_widget[name=file_name] input",
            run: "edit tour_feed",
        },
        {
            trigger: ".o_field_widget[name=header_row] input",
            run: "edit 2",
        },
        ...addColumn("Barcode", "field"),
        {
            content: "Pick the product field in the field selector",
            trigger: ".o_selected_row .o_field_widget[name=field_path] .o_model_field_selector",
            run: "click",
        },
        {
            trigger: ".o_model_field_selector_popover_search input",
            run: "edit Barcode",
        },
        {
            trigger: ".o_model_field_selector_popover_item[data-name=barcode] .o_model_field_selector_popover_item_name",
            run: "click",
        },
        ...addColumn("Qty", "quantity"),
        ...addColumn("Price", "price"),
        ...addColumn("Currency", "constant"),
        {
            trigger: ".o_selected_row .o_field_widget[name=constant_value] input",
            run: "edit UAH",
        },
        ...addColumn("Photos", "images"),
        ...addColumn("Available", "stock_status"),
        {
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            content: "Once saved, the link is shown",
            trigger: ".o_field_widget[name=public_url]:contains('/marketplace-feed/')",
        },
        {
            content: "Enable the file (the toggle saves at once)",
            trigger: ".o_field_widget[name=enabled] input",
            run: "check",
        },
        {
            trigger: ".o_statusbar_status .o_arrow_button_current:contains('Enabled')",
        },
    ],
});

registry.category("web_tour.tours").add("stock_marketplace_feed_template_tour", {
    steps: () => [
        {
            trigger: ".o_field_widget[name=template_id] input",
            run: "edit Amazon",
        },
        {
            trigger: ".o-autocomplete--dropdown-item > a:contains('Amazon price')",
            run: "click",
        },
        {
            content: "Applying a template asks before replacing the columns",
            trigger: "button[name=action_apply_template]:visible",
            run: "click",
        },
        {
            trigger: ".modal-footer .btn-primary",
            run: "click",
        },
        {
            trigger: ".o_field_widget[name=column_ids] .o_data_cell:contains('quantity')",
        },
        {
            trigger: "button[name=action_preview]",
            run: "click",
        },
        {
            content: "The preview opens in a dialog with the headers and the product rows",
            trigger: ".modal .o_marketplace_feed_preview th:contains('sku') ~ th:contains('quantity')",
        },
        {
            trigger: ".modal .o_marketplace_feed_preview tbody tr:first td:eq(2)",
        },
        {
            trigger: ".modal-footer button:contains('Close')",
            run: "click",
        },
        {
            trigger: "body:not(:has(.modal))",
        },
    ],
});
