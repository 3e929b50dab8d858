import type { ServerResponse } from "http";

/** A JSON answer, as WebHDFS gives every non-OPEN response. */
export function send(res: ServerResponse, code: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(code, { ...headers, "Content-Type": "application/json; charset=utf-8", "Content-Length": Buffer.byteLength(text) });
  res.end(text);
}

/** An empty 200 (SETPERMISSION, SETOWNER, SETACL, MODIFYACLENTRIES: "HTTP/1.1 200 OK, Content-Length: 0"). */
export function ok(res: ServerResponse, code = 200, headers: Record<string, string> = {}): void {
  res.writeHead(code, { ...headers, "Content-Length": 0 });
  res.end();
}

export function remote(exception: string, message: string): unknown {
  return { RemoteException: { exception, message, javaClassName: `org.apache.hadoop.security.${exception}` } };
}
