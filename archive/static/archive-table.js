/* Sets DATASETTE_ALLOW_FACET for Datasette's table.js from this script tag's data attribute:
   table.html's inline script, moved to a file (no inline script under our CSP). */
window.DATASETTE_ALLOW_FACET = document.currentScript.dataset.allowFacet === "true";

/* Datasette 0.65's filter and sort fields have no <label>: a screen reader announced them as
   "combo box" and "edit text". Name them. */
document.addEventListener("DOMContentLoaded", () => {
    const names = {
        _filter_column: "Filter on column",
        _filter_op: "Filter operator",
        _filter_value: "Filter value",
        _sort: "Sort by column",
    };
    document.querySelectorAll("select[name], input[name]").forEach((field) => {
        const name = names[field.name.replace(/_\d+$/, "")];
        if (name && !(field.labels && field.labels.length) && !field.hasAttribute("aria-label")) {
            field.setAttribute("aria-label", name);
        }
    });
});
