// Parses Mermaid diagrams with the real `mermaid` package under jsdom (it needs a DOM).
// Usage: node scripts/mermaid-parse.mjs FILE...  A file is a bare diagram (.mmd) or Markdown
// whose ```mermaid blocks are each parsed. Exits 1 and names the file on the first error.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

// The packages live in .tools/node (installed by scripts/install-validators.sh), or where
// GOLIVEC_NODE_TOOLS points.
const tools = process.env.GOLIVEC_NODE_TOOLS ?? join(dirname(fileURLToPath(import.meta.url)), "..", ".tools", "node");
const require = createRequire(join(tools, "package.json"));
const load = async (name) => import(pathToFileURL(require.resolve(name)).href);
const { JSDOM } = await load("jsdom");

const dom = new JSDOM("<!DOCTYPE html><body></body>", { pretendToBeVisual: true });
globalThis.window = dom.window;
globalThis.document = dom.window.document;
for (const key of ["DOMParser", "Element", "HTMLElement", "Node", "SVGElement"]) {
  if (dom.window[key] && !globalThis[key]) globalThis[key] = dom.window[key];
}
const { default: mermaid } = await load("mermaid");
mermaid.initialize({ startOnLoad: false });

function diagrams(path, text) {
  if (!path.endsWith(".md")) return [text];
  const found = [];
  const fence = /^```mermaid\n([\s\S]*?)^```$/gm;
  for (let match; (match = fence.exec(text)); ) found.push(match[1]);
  return found;
}

let failed = false;
for (const path of process.argv.slice(2)) {
  const text = readFileSync(path, "utf8");
  for (const [index, diagram] of diagrams(path, text).entries()) {
    try {
      await mermaid.parse(diagram);
    } catch (error) {
      failed = true;
      console.error(`${path}: diagram ${index + 1}: ${error.message ?? error}`);
    }
  }
}
process.exit(failed ? 1 : 0);
