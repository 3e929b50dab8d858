import * as pulumi from "@pulumi/pulumi";
import type { MockCallArgs, MockResourceArgs } from "@pulumi/pulumi/runtime";
import { fakeCall, fakeResourceState } from "./fakeState";

/** One resource as the mocks runtime received it. */
export interface PlannedResource {
  type: string;
  name: string;
  /** Name of the parent resource, null for the stack root. */
  parent: string | null;
  /** Pulumi URN: type and name are only unique together with the parent chain. */
  urn: string;
  parentUrn: string | null;
  /** The `protect` resource option: Pulumi refuses to delete or replace it. */
  protect: boolean;
  /**
   * URNs of the resources the engine creates before this one: explicit
   * `dependsOn` plus those whose outputs feed its inputs (the register
   * request's dependency list).
   */
  dependsOn: string[];
  /** Input paths whose change replaces the resource instead of updating it (`replaceOnChanges`). */
  replaceOnChanges: string[];
  /** A replacement deletes the old resource before creating the new one (needed when the name is fixed). */
  deleteBeforeReplace: boolean;
  /** Inputs as sent to the engine; secret values appear as "[secret]". */
  inputs: Record<string, unknown>;
}

export interface Plan {
  stack: string;
  resources: PlannedResource[];
  outputs: Record<string, unknown>;
}

export interface RunOptions {
  project: string;
  stack: string;
  /** Flat Pulumi config map. */
  values: Record<string, string>;
  secretKeys?: string[];
  /** Declares the resources; its return value becomes the stack outputs. */
  program: () => unknown;
  /** Answers for invokes (lookups); unanswered tokens fall back to the plan's fakes. */
  call?: (args: MockCallArgs) => Record<string, unknown> | undefined;
}

/** Encodes config the way the Pulumi engine passes it to a program: scalars as strings, structures as JSON. */
export function toPulumiValues(config: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(config)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => [k, typeof v === "object" ? JSON.stringify(v) : String(v)]),
  );
}

export const SECRET_MARK = "[secret]";
const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

/**
 * Runs a Pulumi program under the SDK's mocks runtime and records every
 * registered resource with its parent and inputs: the offline equivalent of
 * `pulumi preview`, without an engine, a backend or Azure credentials.
 */
export async function runUnderMocks(opts: RunOptions): Promise<Plan> {
  const registered: { type: string; name: string; inputs: Record<string, unknown> }[] = [];
  await pulumi.runtime.setMocks(
    {
      newResource(args: MockResourceArgs) {
        registered.push({ type: args.type, name: args.name, inputs: revealSecretsAsMarks(args.inputs) as Record<string, unknown> });
        const { id, state } = fakeResourceState(args);
        return { id: args.custom === false ? undefined : id, state };
      },
      call(args: MockCallArgs) {
        return opts.call?.(args) ?? fakeCall(args);
      },
    },
    opts.project,
    opts.stack,
    false,
  );
  pulumi.runtime.setAllConfig(opts.values, opts.secretKeys ?? []);

  // The mock monitor hands newResource neither the parent, the URN nor the
  // resource options, so they are read off each registration request and its response.
  const urns = new Map<string, Registration>();
  const monitor = pulumi.runtime.getMonitor() as unknown as {
    registerResource(req: RegisterRequest, cb: RegisterCallback): Promise<void>;
  };
  const original = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, cb) =>
    original(req, (err, res) => {
      if (res) {
        urns.set(`${req.getType()}::${req.getName()}`, {
          urn: res.getUrn(),
          parentUrn: req.getParent() || null,
          protect: req.getProtect() === true,
          dependsOn: [...new Set(req.getDependenciesList())].sort(),
          replaceOnChanges: req.getReplaceonchangesList(),
          deleteBeforeReplace: req.getDeletebeforereplace(),
        });
      }
      cb(err, res);
    });

  const rawOutputs = await pulumi.runtime.runInPulumiStack(async () => opts.program());
  // Drains the RPC queue so every registration has reached the mocks; the
  // next run's setMocks installs a fresh monitor.
  await pulumi.runtime.disconnect();

  const outputs: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(rawOutputs ?? {})) {
    outputs[key] = await resolve(value);
  }
  return {
    stack: opts.stack,
    resources: registered.map((r) => {
      const reg = urns.get(`${r.type}::${r.name}`) ?? { urn: "", parentUrn: null, protect: false, dependsOn: [], replaceOnChanges: [], deleteBeforeReplace: false };
      const { parentUrn } = reg;
      return { ...r, parent: parentUrn ? parentUrn.slice(parentUrn.lastIndexOf("::") + 2) : null, ...reg };
    }),
    outputs,
  };
}

type Registration = Pick<PlannedResource, "urn" | "parentUrn" | "protect" | "dependsOn" | "replaceOnChanges" | "deleteBeforeReplace">;

interface RegisterRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getProtect(): boolean | undefined;
  getDependenciesList(): string[];
  getReplaceonchangesList(): string[];
  getDeletebeforereplace(): boolean;
}
type RegisterCallback = (err: unknown, res: { getUrn(): string } | undefined) => void;

async function resolve(value: unknown): Promise<unknown> {
  const out: pulumi.Output<unknown> = pulumi.output(value);
  const [plain, secret] = await Promise.all([new Promise<unknown>((res) => out.apply((v) => res(v))), pulumi.isSecret(out)]);
  return secret ? SECRET_MARK : revealSecretsAsMarks(plain);
}

/** Replaces the engine's secret envelopes with a mark, so no secret value leaves the plan. */
function revealSecretsAsMarks(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(revealSecretsAsMarks);
  if (typeof value === "object" && value !== null) {
    const rec = value as Record<string, unknown>;
    if (rec[SIG_KEY] === SECRET_SIG) return SECRET_MARK;
    return Object.fromEntries(Object.entries(rec).map(([k, v]) => [k, revealSecretsAsMarks(v)]));
  }
  return value;
}
