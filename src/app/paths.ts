/** Where the page finds its files: both folders sit beside index.html, wherever the site is deployed. */

/** Folder of manifest.json and the files it names (absolute URL, ends in '/'). */
export const modelBase = new URL('models/', document.baseURI).href;

/** Folder of onnxruntime-web's runtime files, copied there by the Vite plugin. */
export const ortBase = new URL('ort/', document.baseURI).href;
