/** The examples' page icon as SVG markup. */
export declare const FAVICON_SVG: string;
/** The same icon as a data URL, for a `<link rel="icon">` that needs no request at all. */
export declare const FAVICON_DATA_URL: string;
