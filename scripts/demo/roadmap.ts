import { writerFlip } from "./flip";
import { type DemoContext, type DemoStep, assess, clock, firstDue, firstWindow, fullCopy, plan, postDeploy, triggers, windowsGate } from "./steps";
import { afterFullCopy, afterWindows, afterWindowsSeeded, converge, nothingCopied, validate } from "./validation";
import { changeGen1, landBatches, landedInBothLakes } from "./workloads";

/**
 * The road map of each pattern (docs/patterns.md, "How to run it" and
 * "Cut-over"), as the demo rehearses it. Every one ends validate →
 * reconcile → validate with zero differences; bidirectional-sync then
 * flips a folder's writer and validates once more, again to zero.
 */

export type DemoPattern = "lift-and-shift" | "incremental" | "dual-pipeline" | "bidirectional-sync";

const head = [assess, plan, postDeploy];

/** The flip's writerSince must come after the covering window's run: the clock goes this far past its due time. */
const PAST_DUE_MS = 5 * 60_000;

const ROADMAPS: Record<DemoPattern, () => DemoStep[]> = {
  "lift-and-shift": () => [...head, fullCopy, ...converge("Validate after the full copy", afterFullCopy)],
  incremental: () => [
    ...head,
    fullCopy,
    validate("Validate after the full copy", afterFullCopy),
    changeGen1,
    firstWindow,
    windowsGate(0),
    ...converge("Validate after the window", afterWindows),
  ],
  "dual-pipeline": () => [
    ...head,
    fullCopy,
    validate("Validate after the full copy", afterFullCopy),
    landBatches,
    firstWindow,
    landedInBothLakes,
    windowsGate(0),
    triggers("stop", "Producers write to Gen2 only now: stop the trigger"),
    ...converge("Validate after the window", afterWindows),
  ],
  "bidirectional-sync": () => [
    ...head,
    // No full copy in this pattern: reconcile's catch-up seeds Gen2 from a validation of the empty target folders.
    ...converge("Seed Gen2: validate finds every path missing (the sync windows copy only what changes)", nothingCopied, true),
    changeGen1,
    windowsGate(1),
    clock("Window: move the Data Factory clock 5 minutes past the first window's due time", (ctx: DemoContext) => firstDue(ctx) + PAST_DUE_MS),
    windowsGate(0),
    ...converge("Validate after the window", afterWindowsSeeded),
    ...writerFlip,
    // validate --stack compares a writer: gen2 folder Gen2 → Gen1, the way its window copies it.
    validate("Validate the flipped stack: its Gen2-written folder compared Gen2 → Gen1, zero differences", () => ({})),
  ],
};

export function demoSteps(pattern: DemoPattern): DemoStep[] {
  return ROADMAPS[pattern]();
}
