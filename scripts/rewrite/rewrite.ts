import { FolderRule } from "./mapping";

/**
 * Gen1 URIs in text: adl://<account>.azuredatalakestore.net/<path> and
 * https://<account>.azuredatalakestore.net/webhdfs/v1/<path>, with an optional
 * :443 port (any other port, or a longer host name, is not Gen1); scheme and
 * host in any case. The path runs to the first character
 * that ends a URI in code or config (space, quote, bracket, comma, semicolon)
 * or a query/fragment, except that a {...} or ${...} template placeholder stays
 * part of the path.
 */
const GEN1_URI =
  /\b(adl:\/\/|https:\/\/)([a-z0-9]{3,24})\.azuredatalakestore\.net(?::443)?(?![\w.:-])(\/webhdfs\/v1)?(\/(?:[^\s"'`<>()[\]{},;?#]|\{[^\s"'`<>{}]*\})*)?(\?[^\s"'`<>()[\]{},;]*)?/gi;

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

/**
 * Only the scheme, account and mapped folder prefix change; the rest of the
 * path is copied as written, so placeholders (${DATE}, %s, {0}), non-ASCII
 * names and percent-escapes survive byte for byte.
 */
export function rewriteText(text: string, rules: FolderRule[]): { text: string; rewrites: Rewrite[]; unmapped: Unmapped[] } {
  const rewrites: Rewrite[] = [];
  const unmapped: Unmapped[] = [];
  // Longest Gen1 folder first, so /raw/sales wins over /raw.
  const ordered = [...rules].sort((a, b) => b.source.length - a.source.length);
  const out = text.replace(GEN1_URI, (match: string, scheme: string, host: string, webhdfs: string | undefined, rawPath: string | undefined, query: string | undefined, offset: number) => {
    const line = lineOf(text, offset);
    // The service path is case-sensitive, unlike the scheme and host.
    if (scheme.toLowerCase() === "https://" && webhdfs !== "/webhdfs/v1") {
      unmapped.push({ line, uri: match, reason: "https URI without /webhdfs/v1" });
      return match;
    }
    if (query) {
      unmapped.push({ line, uri: match, reason: "WebHDFS REST call (has a query): port it to the Gen2 SDK or REST API by hand" });
      return match;
    }
    const account = host.toLowerCase();
    const body = (rawPath ?? "").replace(/^\/+/, "");
    const segments = body.split("/");
    const rule = ordered.find((r) => r.gen1Account === account && coversPrefix(segments, r.source));
    if (!rule) {
      unmapped.push({ line, uri: match, reason: "no folder in the map covers it" });
      return match;
    }
    const depth = rule.source === "" ? 0 : rule.source.split("/").length;
    // The text after the mapped folder, verbatim; it starts with "/" unless it is empty.
    const tail = depth === 0 ? (body === "" ? "" : `/${body}`) : body.slice(segments.slice(0, depth).join("/").length);
    const target = encodePath(rule.target);
    const path = target === "" ? tail.replace(/^\//, "") : `${target}${tail}`;
    const to = `abfss://${rule.filesystem}@${rule.gen2Account}.dfs.core.windows.net/${path}`;
    rewrites.push({ line, from: match, to });
    return to;
  });
  return { text: out, rewrites, unmapped };
}

/** Whether the path's leading segments name the folder (compared decoded, as the service sees them). */
function coversPrefix(segments: string[], folder: string): boolean {
  if (folder === "") return true;
  const want = folder.split("/");
  return want.length <= segments.length && want.every((w, i) => decodeSafe(segments[i]) === w);
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

/** The map's target directory is plain text; encode only what a URI path cannot carry. */
function encodePath(p: string): string {
  return p
    .split("/")
    .filter(Boolean)
    .map((s) => encodeURIComponent(s).replace(/%2B/g, "+").replace(/%3D/g, "=").replace(/%40/g, "@").replace(/%24/g, "$"))
    .join("/");
}
