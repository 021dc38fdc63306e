/* Datasette 0.65's _close_open_menus.html script, as a file (no inline script under our CSP).
   Closes open <details> menus on a click outside them; details marked .archive-keep-open
   (the post page's comments and record) are left as the reader set them. */
document.body.addEventListener('click', (ev) => {
    var target = ev.target;
    var detailsClickedWithin = null;
    while (target && target.tagName != 'DETAILS') {
        target = target.parentNode;
    }
    if (target && target.tagName == 'DETAILS') {
        detailsClickedWithin = target;
    }
    Array.from(document.getElementsByTagName('details')).filter(
        (details) => details.open && details != detailsClickedWithin &&
            !details.classList.contains('archive-keep-open')
    ).forEach(details => details.open = false);
});
