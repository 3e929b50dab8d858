import { HttpError, RequestContext, escapeXml, metadataFrom, sendBody, sendJson } from "../http";
import type { DfsState } from "../state";
import { Filesystem } from "../tree";

/** Filesystem Create (PUT ?resource=filesystem) and the blob Create Container the SDK's createIfNotExists sends. */
export function createFilesystem(state: DfsState, ctx: RequestContext, name: string): number {
  if (state.filesystems.has(name)) {
    throw ctx.blobStyle
      ? new HttpError(409, "ContainerAlreadyExists", "The specified container already exists.")
      : new HttpError(409, "FilesystemAlreadyExists", "The specified filesystem already exists.");
  }
  const fs = new Filesystem(name, state.clock);
  fs.metadata = metadataFrom(ctx.req);
  state.filesystems.set(name, fs);
  ctx.res.setHeader("ETag", fs.etag);
  ctx.res.setHeader("Last-Modified", new Date(fs.created).toUTCString());
  return 201;
}

/** Filesystem Get Properties (HEAD) and the blob Get Container Properties (GET/HEAD ?restype=container). */
export function getFilesystemProperties(state: DfsState, ctx: RequestContext, name: string): number {
  const { res } = ctx;
  const fs = state.fsOrThrow(name, ctx.blobStyle);
  res.setHeader("ETag", fs.etag);
  res.setHeader("Last-Modified", new Date(fs.created).toUTCString());
  res.setHeader("x-ms-lease-status", "unlocked");
  res.setHeader("x-ms-lease-state", "available");
  res.setHeader("x-ms-has-immutability-policy", "false");
  res.setHeader("x-ms-has-legal-hold", "false");
  res.setHeader("x-ms-namespace-enabled", "true");
  for (const [k, v] of Object.entries(fs.metadata)) res.setHeader(`x-ms-meta-${k}`, v);
  return 200;
}

/** Filesystem Delete. */
export function deleteFilesystem(state: DfsState, ctx: RequestContext, name: string): number {
  state.fsOrThrow(name, ctx.blobStyle);
  state.filesystems.delete(name);
  return 202;
}

/** Filesystem List (GET ?resource=account). */
export function listFilesystems(state: DfsState, ctx: RequestContext): number {
  const list = [...state.filesystems.values()]
    .sort((a, b) => (a.name < b.name ? -1 : 1))
    .map((fs) => ({ name: fs.name, lastModified: new Date(fs.created).toUTCString(), etag: fs.etag }));
  sendJson(ctx.res, { filesystems: list });
  return 200;
}

/** The blob List Containers (GET ?comp=list) that DataLakeServiceClient.listFileSystems sends. */
export function listContainers(state: DfsState, ctx: RequestContext): number {
  const prefix = ctx.query.get("prefix") ?? "";
  const marker = ctx.query.get("marker") ?? "";
  const max = Math.min(Number(ctx.query.get("maxresults") ?? 5000) || 5000, 5000);
  const names = [...state.filesystems.keys()].filter((n) => n.startsWith(prefix) && n >= marker).sort();
  const next = names[max] ?? "";
  const items = names
    .slice(0, max)
    .map((n) => {
      const fs = state.filesystems.get(n)!;
      return `<Container><Name>${escapeXml(n)}</Name><Properties><Last-Modified>${new Date(fs.created).toUTCString()}</Last-Modified><Etag>${fs.etag}</Etag><LeaseStatus>unlocked</LeaseStatus><LeaseState>available</LeaseState><HasImmutabilityPolicy>false</HasImmutabilityPolicy><HasLegalHold>false</HasLegalHold></Properties></Container>`;
    })
    .join("");
  sendBody(
    ctx.res,
    "application/xml",
    `<?xml version="1.0" encoding="utf-8"?><EnumerationResults ServiceEndpoint="${state.accountUrl}/"><Prefix>${escapeXml(prefix)}</Prefix><MaxResults>${max}</MaxResults><Containers>${items}</Containers><NextMarker>${escapeXml(next)}</NextMarker></EnumerationResults>`,
  );
  return 200;
}
