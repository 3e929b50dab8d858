import type { IncomingMessage, ServerResponse } from "http";
import { CAPACITY_OPERATIONS } from "./capacity";
import { resetDue, throwInjectedFault } from "./faults";
import { HANG, HttpError, RequestContext, commonHeaders, contextOf, readBody, stagedBody, writeError } from "./http";
import { route } from "./router";
import { verifySharedKey } from "./sharedKey";
import type { DfsState } from "./state";
import { countRequest } from "./stats";

/**
 * One request end to end: count it, apply injected faults, check the account
 * and the Shared Key signature, run the operation, then answer once the
 * modelled service time has passed.
 */
export async function handleRequest(state: DfsState, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const arrived = performance.now();
  const body = await readBody(req);
  const { ctx, account, rawUrl } = contextOf(req, res, body);
  const counted = countRequest(state.stats, ctx.method, ctx.query, ctx.segments);
  const f = state.faults;
  if (resetDue(f, counted.n)) {
    req.socket.destroy();
    return;
  }
  try {
    if (account !== state.accountName) throw new HttpError(400, "InvalidUri", `account "${account}" is not served here`);
    if (!verifySharedKey({ accountName: state.accountName, accountKey: state.accountKey, method: ctx.method, rawUrl, headers: req.headers })) {
      throw new HttpError(403, "AuthenticationFailed", "Server failed to authenticate the request. Make sure the value of the Authorization header is formed correctly including the signature.");
    }
    throwInjectedFault(f, counted, res);
    const limited = CAPACITY_OPERATIONS.has(counted.op);
    if (limited && !state.capacity.admit(f.capacityPathsPerSecond)) {
      state.stats.throttled += 1;
      // TPS_OVER_ACCOUNT_LIMIT in Hadoop ABFS's AzureServiceErrorCode.
      throw new HttpError(503, "ServerBusy", "Operations per second is over the account limit.");
    }
    const status = route(state, ctx);
    if (limited) state.capacity.charge(ctx.touched);
    // The modelled service time includes this server's own work, so that
    // the test server's CPU (not the remote service's) does not add to it.
    const pageTime = counted.op === "GET listPaths" ? (f.pageLatencyMs ?? 0) : 0;
    const modelled = (f.latencyMs ?? 0) + (f.perPathLatencyMs ?? 0) * ctx.changed + pageTime;
    await state.sleep(Math.max(0, modelled - (performance.now() - arrived)));
    respond(state, ctx, status);
  } catch (err) {
    if (err === HANG) return;
    await state.sleep(f.latencyMs ?? 0);
    if (res.destroyed) return;
    writeError(ctx, err instanceof HttpError ? err : new HttpError(500, "InternalError", String(err)));
  }
}

function respond(state: DfsState, ctx: RequestContext, status: number): void {
  const { req, res } = ctx;
  if (res.destroyed || state.hung.has(res)) return;
  res.statusCode = status;
  commonHeaders(req, res);
  if (ctx.method === "HEAD") res.end();
  else res.end(stagedBody(res));
}
