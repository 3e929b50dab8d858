import fc from "fast-check";
import { DirectoryPage, listByDirectory } from "../../scripts/sources/byDirectory";

/** A tree as nested maps: a name maps to null (a file) or to a subtree. */
type Tree = Map<string, Tree | null>;

function at(tree: Tree, dir: string): Tree {
  return dir === "" ? tree : dir.split("/").reduce((t, name) => t.get(name)!, tree);
}

function allPaths(tree: Tree, prefix = ""): string[] {
  return [...tree].flatMap(([name, sub]) => {
    const p = prefix ? `${prefix}/${name}` : name;
    return sub ? [p, ...allPaths(sub, p)] : [p];
  });
}

/** Pages of `pageSize` names in name order; the continuation is the index of the next name. */
function pager(tree: Tree, pageSize: number) {
  return async (dir: string, token: string | undefined): Promise<DirectoryPage<string>> => {
    await new Promise((r) => setImmediate(r));
    const names = [...at(tree, dir).keys()].sort();
    const from = token ? Number(token) : 0;
    const slice = names.slice(from, from + pageSize).map((n) => (dir ? `${dir}/${n}` : n));
    const subdirectories = slice.filter((p) => at(tree, p.split("/").slice(0, -1).join("/")).get(p.split("/").pop()!) !== null);
    return { entries: slice, subdirectories, continuation: from + pageSize < names.length ? String(from + pageSize) : undefined };
  };
}

const treeArb: fc.Arbitrary<Tree> = fc
  .letrec<{ tree: [string, unknown][] }>((tie) => ({
    tree: fc.uniqueArray(fc.tuple(fc.constantFrom("a", "b", "c", "d", "e", "f", "g"), fc.oneof({ depthSize: "small" }, fc.constant(null), tie("tree"))), {
      maxLength: 6,
      selector: ([name]) => name,
    }),
  }))
  .tree.map(function toTree(entries): Tree {
    return new Map(entries.map(([name, sub]) => [name, sub === null ? null : toTree(sub as [string, unknown][])]));
  });

async function drain(it: AsyncIterable<string[]>): Promise<string[]> {
  const out: string[] = [];
  for await (const page of it) out.push(...page);
  return out;
}

describe("listByDirectory", () => {
  it("yields every path of any tree exactly once, whatever the page size, concurrency and queue bound", async () => {
    await fc.assert(
      fc.asyncProperty(treeArb, fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 3 }), async (tree, pageSize, maxConcurrency, maxQueuedDirectories) => {
        const got = await drain(listByDirectory("", pager(tree, pageSize), { maxConcurrency, maxQueuedDirectories }));
        expect(got.sort()).toEqual(allPaths(tree).sort());
      }),
      { numRuns: 200 },
    );
  });

  it("stops fetching when the consumer stops early", async () => {
    const tree: Tree = new Map(Array.from({ length: 50 }, (_, i) => [`d${String(i).padStart(2, "0")}`, new Map([["f", null]])] as [string, Tree]));
    let fetched = 0;
    const fetch = pager(tree, 1);
    for await (const page of listByDirectory("", (d, t) => ((fetched += 1), fetch(d, t)), { maxConcurrency: 2 })) {
      if (page.length > 0) break;
    }
    await new Promise((r) => setTimeout(r, 20));
    expect(fetched).toBeLessThan(10);
  });
});
