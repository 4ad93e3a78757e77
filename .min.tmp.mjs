import { build } from "esbuild";
const r = await build({ entryPoints: [process.argv[2]], bundle: true, minify: true, format: "esm", platform: "browser", target: "es2022", write: false, external: ["ky"] });
console.log(r.outputFiles[0].text);
