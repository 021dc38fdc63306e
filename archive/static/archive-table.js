/* Sets DATASETTE_ALLOW_FACET for Datasette's table.js from this script tag's data attribute:
   table.html's inline script, moved to a file (no inline script under our CSP). */
window.DATASETTE_ALLOW_FACET = document.currentScript.dataset.allowFacet === "true";
