/** @odoo-module **/
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import {inputFiles} from "@web/../tests/utils";
import {registry} from "@web/core/registry";

// A Prom.ua-style CSV sample: semicolons, decimal commas, "+" / "-".
const SAMPLE = [
    "Код_товару;Назва_позиції;Ціна;Наявність;Особисті_нотатки",
    "A-1;Стілець;12,50;+;нотатка",
    "A-2;Стіл;99,00;-;",
    "",
].join("\r\n");

registry.category("web_tour.tours").add("stock_marketplace_feed_sample_tour", {
    steps: () => [
        {
            content: "Start from the store's sample file",
            trigger: ".o_form_view .o_statusbar_buttons button:contains('Start from a Sample File')",
            run: "click",
        },
        {
            content: "Upload the sample",
            trigger: ".modal .o_field_widget[name=sample_file]",
            async run() {
                const file = new File([SAMPLE], "prom_sample.csv", {type: "text/csv"});
                await inputFiles(".modal .o_field_widget[name=sample_file] .o_input_file", [
                    file,
                ]);
            },
        },
        {
            trigger: ".modal .o_field_widget[name=sample_file] .o_clear_file_button",
        },
        {
            trigger: ".modal-footer button[name=action_read]",
            run: "click",
        },
        {
            content: "Each header has its suggested column",
            trigger: ".modal .o_data_row:contains('Наявність'):contains('Stock status')",
        },
        {
            content: "The header nothing fills is flagged",
            trigger: ".modal .o_data_row.text-warning:contains('Особисті_нотатки')",
        },
        {
            content: "Confirm",
            trigger: ".modal-footer button[name=action_confirm]",
            run: "click",
        },
        {
            content: "The file's columns are replaced only once confirmed",
            trigger: ".modal-content:has(.modal-body:contains('replace the file settings and all the columns')) .modal-footer .btn-primary",
            run: "click",
        },
        {
            trigger: "body:not(:has(.modal))",
        },
        {
            trigger: ".o_field_widget[name=column_ids] .o_data_row:eq(3):contains('Наявність')",
        },
        {
            trigger: "button[name=action_preview]",
            run: "click",
        },
        {
            content: "The preview: a tab of the form, or a dialog",
            trigger: ".o_notebook a.nav-link:contains('Preview'), .o_marketplace_feed_preview",
            run() {
                if (this.anchor.matches("a.nav-link")) {
                    this.anchor.click();
                }
            },
        },
        {
            content: "The preview shows the sample's headers with the products' rows",
            trigger: ".o_marketplace_feed_preview th:contains('Код_товару') ~ th:contains('Наявність')",
        },
        {
            trigger: ".o_marketplace_feed_preview td:contains('TOUR-1')",
        },
    ],
});
