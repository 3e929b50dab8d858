import type { FactoryCatalog } from "./catalog";
import { PipelineRuns } from "./runs";
import type { LakeStore } from "./stores/store";
import { TumblingWindow, type WindowState } from "./windows";

export interface FactoryEmulatorOptions {
  catalog: FactoryCatalog;
  /** The lake behind each linked service, by linked service name (e.g. Gen1Store, Gen2Store). */
  stores: ReadonlyMap<string, LakeStore>;
  /** Where the emulator's clock starts; default: the real time when it is created. */
  clock?: Date;
}

/** One advance of the clock: what ran. */
export interface AdvanceReport {
  from: string;
  to: string;
  /** The windows that ran (or were retried) in this advance, with their state at its end. */
  windows: { trigger: string; windowStart: string; windowEnd: string; status: string; attempts: number }[];
}

/**
 * A Data Factory that runs the catalog's pipelines against emulated lakes:
 * on-demand runs, and tumbling window triggers on a clock that only moves
 * when told (advanceTo / advanceBy), so tests and the demo can step through
 * windows in milliseconds. Schedule triggers are not emulated: starting one
 * fails by name.
 */
export class FactoryEmulator {
  readonly runs: PipelineRuns;
  readonly triggers = new Map<string, TumblingWindow>();
  private clockMs: number;
  private advancing: Promise<AdvanceReport> = Promise.resolve({ from: "", to: "", windows: [] });

  constructor(readonly options: FactoryEmulatorOptions) {
    this.clockMs = (options.clock ?? new Date()).getTime();
    this.runs = new PipelineRuns(options.catalog, options.stores, () => this.now());
  }

  get catalog(): FactoryCatalog {
    return this.options.catalog;
  }

  now(): Date {
    return new Date(this.clockMs);
  }

  /** The trigger's state; the definition is checked when first used, so a trigger the emulator cannot run fails then, by name. */
  trigger(name: string): TumblingWindow | undefined {
    const existing = this.triggers.get(name);
    if (existing) return existing;
    const def = this.catalog.triggers.get(name);
    if (!def) return undefined;
    if (def.type !== "TumblingWindowTrigger") throw new Error(`trigger ${name}: type ${String(def.type)} is not supported by the emulator (TumblingWindowTrigger only)`);
    const t = new TumblingWindow(name, def, this.runs);
    this.triggers.set(name, t);
    return t;
  }

  /** Moves the clock to `to`, running every window that falls due on the way, in time order. Calls queue behind each other. */
  advanceTo(to: Date): Promise<AdvanceReport> {
    const next = this.advancing.then(() => this.step(to.getTime()));
    this.advancing = next.catch(() => ({ from: "", to: "", windows: [] }));
    return next;
  }

  /**
   * `pulumi up` of a changed stack into the running factory: every object
   * is replaced by the new catalog's; a trigger whose definition did not
   * change keeps its state (windows run, started or stopped), as ADF keeps
   * an untouched trigger, and a changed or removed one loses it. The
   * catalog's maps are refilled in place, so runs see the new pipelines.
   */
  deploy(next: FactoryCatalog): void {
    const catalog = this.catalog;
    for (const key of ["linkedServices", "datasets", "pipelines", "triggers"] as const) {
      catalog[key].clear();
      for (const [name, def] of next[key]) catalog[key].set(name, def);
    }
    for (const [name, state] of [...this.triggers]) {
      if (JSON.stringify(state.definition) !== JSON.stringify(catalog.triggers.get(name))) this.triggers.delete(name);
    }
  }

  advanceBy(ms: number): Promise<AdvanceReport> {
    return this.advancing.then(() => this.advanceTo(new Date(this.clockMs + ms)));
  }

  private async step(target: number): Promise<AdvanceReport> {
    if (target < this.clockMs) throw new Error(`the clock cannot go back (now ${this.now().toISOString()}, asked ${new Date(target).toISOString()})`);
    const report: AdvanceReport = { from: this.now().toISOString(), to: new Date(target).toISOString(), windows: [] };
    const attemptsBefore = new Map<WindowState, number>([...this.triggers.values()].flatMap((t) => t.windows.map((w): [WindowState, number] => [w, w.attempts])));
    for (let guard = 0; guard < 1_000_000; guard++) {
      const ran = await Promise.all(this.startedTriggers().map((t) => t.runDue(this.clockMs)));
      if (ran.some(Boolean)) continue;
      const events = this.startedTriggers().map((t) => t.nextEvent(this.clockMs)).filter((e): e is number => e !== undefined && e <= target);
      if (events.length === 0) break;
      this.clockMs = Math.min(...events);
    }
    this.clockMs = target;
    for (const t of this.triggers.values()) {
      for (const w of t.windows) {
        if (w.attempts === (attemptsBefore.get(w) ?? 0)) continue;
        report.windows.push({ trigger: t.name, windowStart: w.start.toISOString(), windowEnd: w.end.toISOString(), status: w.status, attempts: w.attempts });
      }
    }
    return report;
  }

  private startedTriggers(): TumblingWindow[] {
    return [...this.triggers.values()].filter((t) => t.runtimeState === "Started");
  }
}
