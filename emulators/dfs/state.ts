import type { ServerResponse } from "http";
import { CapacityBucket } from "./capacity";
import type { DfsFaults } from "./faults";
import { HttpError } from "./http";
import { newStats, type DfsStats } from "./stats";
import { Filesystem, PathNode } from "./tree";

/** Everything one emulator instance holds; handlers read and change it. */
export class DfsState {
  readonly filesystems = new Map<string, Filesystem>();
  readonly stats: DfsStats = newStats();
  /** Responses left unanswered by failAfterBatches "hang". */
  readonly hung = new Set<ServerResponse>();
  /** The capacity model's bucket (faults.capacityPathsPerSecond). */
  readonly capacity = new CapacityBucket();
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;
  /** Set once the server listens. */
  accountUrl = "";

  constructor(
    readonly accountName: string,
    readonly accountKey: string,
    public faults: DfsFaults,
    readonly trackProcessed: boolean,
    /** Epoch ms for creation and Last-Modified times. */
    readonly clock: () => number = Date.now,
  ) {}

  /** A timer the server cancels on close, so nothing outlives it. */
  sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      if (ms <= 0 || this.closed) return resolve();
      const t = setTimeout(() => {
        this.timers.delete(t);
        resolve();
      }, ms);
      this.timers.add(t);
    });
  }

  close(): void {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  fsOrThrow(name: string | undefined, blobStyle: boolean): Filesystem {
    const fs = name ? this.filesystems.get(name) : undefined;
    if (!fs) {
      throw blobStyle
        ? new HttpError(404, "ContainerNotFound", "The specified container does not exist.")
        : new HttpError(404, "FilesystemNotFound", "The specified filesystem does not exist.");
    }
    return fs;
  }
}

export function pathOrThrow(fs: Filesystem, path: string): PathNode {
  const node = fs.get(path);
  if (!node) throw new HttpError(404, path === "" ? "FilesystemNotFound" : "PathNotFound", "The specified path does not exist.");
  return node;
}
