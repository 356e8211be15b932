// PurgeCSS configuration for bin/build-css: which files may name a Bootstrap class.
// Over-inclusive on purpose: a class named anywhere in a template, a Python module (crispy
// layouts, status badges), a script or crispy-bootstrap5's own templates is kept.
const path = require("path");
const root = path.resolve(__dirname, "..");
const crispy = process.env.CRISPY_BOOTSTRAP5_TEMPLATES;

module.exports = {
  css: [path.join(root, "static/vendor/bootstrap/bootstrap.min.css")],
  content: [
    path.join(root, "templates/**/*.{html,txt}"),
    path.join(root, "*/templates/**/*.{html,txt,js}"),
    path.join(root, "{incubator,cohorts,coaching,workshops,dashboard}/**/*.py"),
    path.join(root, "static/js/**/*.js"),
    path.join(root, "*/static/**/*.js"),
    ...(crispy ? [path.join(crispy, "**/*.html")] : []),
  ],
  // Classes that templates build from pieces (alert-{{ level }}, text-bg-{% if %}success...),
  // that Bootstrap's scripts add (show, collapsing) and that the phone layouts may add later:
  // add a pattern here rather than a class by hand to the built file.
  // Custom properties no rule uses any more go too (Bootstrap defines hundreds).
  variables: true,
  safelist: {
    standard: [
      "show", "showing", "hide", "hiding", "collapse", "collapsing", "fade", "active", "disabled",
      "was-validated", "is-invalid", "is-valid", "visually-hidden", "visually-hidden-focusable",
    ],
    greedy: [
      /^(alert|text-bg|bg|btn|btn-outline|text|border|link|table|list-group-item)-(primary|secondary|success|info|warning|danger|light|dark)$/,
    ],
  },
};
