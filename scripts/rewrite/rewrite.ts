import { FolderRule } from "./mapping";

/**
 * Gen1 URIs in text: adl://<account>.azuredatalakestore.net/<path> and
 * https://<account>.azuredatalakestore.net/webhdfs/v1/<path>. The path runs to
 * the first character that ends a URI in code or config (space, quote,
 * bracket, comma, semicolon) or a query/fragment.
 */
const GEN1_URI = /\b(adl:\/\/|https:\/\/)([a-z0-9]{3,24})\.azuredatalakestore\.net(\/webhdfs\/v1)?(\/[^\s"'`<>()[\]{},;?#]*)?(\?[^\s"'`<>()[\]{},;]*)?/g;

export interface Rewrite {
  line: number;
  from: string;
  to: string;
}

export interface Unmapped {
  line: number;
  uri: string;
  reason: string;
}

export function rewriteText(text: string, rules: FolderRule[]): { text: string; rewrites: Rewrite[]; unmapped: Unmapped[] } {
  const rewrites: Rewrite[] = [];
  const unmapped: Unmapped[] = [];
  // Longest Gen1 folder first, so /raw/sales wins over /raw.
  const ordered = [...rules].sort((a, b) => b.source.length - a.source.length);
  const out = text.replace(GEN1_URI, (match: string, scheme: string, account: string, webhdfs: string | undefined, rawPath: string | undefined, query: string | undefined, offset: number) => {
    const line = lineOf(text, offset);
    if (scheme === "https://" && !webhdfs) {
      unmapped.push({ line, uri: match, reason: "https URI without /webhdfs/v1" });
      return match;
    }
    if (query) {
      unmapped.push({ line, uri: match, reason: "WebHDFS REST call (has a query): port it to the Gen2 SDK or REST API by hand" });
      return match;
    }
    const path = decodeSafe((rawPath ?? "/").replace(/^\/+/, "").replace(/\/+$/, ""));
    const rule = ordered.find((r) => r.gen1Account === account && (r.source === "" || path === r.source || path.startsWith(`${r.source}/`)));
    if (!rule) {
      unmapped.push({ line, uri: match, reason: "no folder in the map covers it" });
      return match;
    }
    const rest = path.slice(rule.source.length).replace(/^\//, "");
    const target = [rule.target, rest].filter(Boolean).join("/");
    const trailing = rawPath !== undefined && rawPath.length > 1 && rawPath.endsWith("/") ? "/" : "";
    const to = `abfss://${rule.filesystem}@${rule.gen2Account}.dfs.core.windows.net/${encodePath(target)}${target ? trailing : ""}`;
    rewrites.push({ line, from: match, to });
    return to;
  });
  return { text: out, rewrites, unmapped };
}

function lineOf(text: string, offset: number): number {
  let n = 1;
  for (let i = text.indexOf("\n"); i !== -1 && i < offset; i = text.indexOf("\n", i + 1)) n++;
  return n;
}

function decodeSafe(p: string): string {
  try {
    return decodeURIComponent(p);
  } catch {
    return p;
  }
}

/** Re-encodes only what a URI path cannot carry; keeps the text readable. */
function encodePath(p: string): string {
  return p.split("/").map((s) => encodeURIComponent(s).replace(/%2B/g, "+").replace(/%3D/g, "=").replace(/%40/g, "@")).join("/");
}
