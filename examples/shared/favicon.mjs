/**
 * The examples' page icon: a coin on the Stack blue. One definition for every example, so that a
 * browser never asks an example for an icon it does not have (a 404 on every page load).
 */

/** The icon as SVG markup (served by the Express example at /favicon.ico). */
export const FAVICON_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="7" fill="#1a56db"/>' +
  '<circle cx="16" cy="16" r="9" fill="#fbbf24"/><circle cx="16" cy="16" r="6" fill="none" stroke="#b45309" stroke-width="2"/></svg>';

/** The same icon as a data URL, for a `<link rel="icon">` that needs no request at all. */
export const FAVICON_DATA_URL = `data:image/svg+xml,${encodeURIComponent(FAVICON_SVG)}`;
