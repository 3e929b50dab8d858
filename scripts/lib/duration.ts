import { DEFAULT_MAX_AGE_MS } from "../sources/inventoryRun";

const UNITS: Record<string, number> = { m: 60_000, h: 3600_000, d: 86400_000 };

/** "90m", "36h", "2d" → milliseconds; undefined when the text is not such a duration. */
export function parseDuration(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)([mhd])$/.exec(text.trim());
  return m ? Number(m[1]) * UNITS[m[2]] : undefined;
}

/** Help text and default of `--max-inventory-age`, shared by every command that reads inventory runs. */
export const MAX_INVENTORY_AGE_HELP = "refuse a blob inventory run (inventory:...) completed longer ago than this: 90m, 36h, 8d (weekly runs need about 8d)";
export const MAX_INVENTORY_AGE_DEFAULT = `${DEFAULT_MAX_AGE_MS / UNITS.h}h`;

/** Parses `--max-inventory-age`, adding a problem naming the flag when it is not a duration. */
export function maxInventoryAge(value: string, problems: string[]): number | undefined {
  const ms = parseDuration(value);
  if (ms === undefined || ms <= 0) problems.push(`--max-inventory-age ${JSON.stringify(value)}: expected a duration such as 90m, 36h or 8d`);
  return ms;
}
