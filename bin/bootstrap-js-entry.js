// The parts of Bootstrap's JavaScript the pages use, bundled by bin/build-css into
// static/vendor/bootstrap/bootstrap.subset.min.js (instead of the whole bundle: a quarter of a
// first page's weight on a phone). Today only the navbar's collapse (data-bs-toggle="collapse").
// To use another component, import it here and rebuild; Dropdown, Tooltip and Popover also need
// "@popperjs/core" added to the npm install line of bin/build-css.
import Collapse from "bootstrap/js/src/collapse.js";

window.bootstrap = Object.assign(window.bootstrap || {}, { Collapse });
