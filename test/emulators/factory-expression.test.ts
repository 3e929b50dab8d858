import { ExpressionError, evaluateString, parseExpression, resolveValue } from "../../emulators/factory/expression";

/** The ADF expression language as the emulator parses it: the forms the definitions use, and refusals by name. */

const scope = {
  pipeline: { parameters: { folders: [{ source: "raw/sales", target: "sales" }], windowStart: "2026-12-01T00:00:00Z" } },
  item: { source: "raw/sales", filesystem: "raw", target: "" },
  dataset: { folderPath: "raw/sales" },
  trigger: { outputs: { windowStartTime: "2026-12-01T00:00:00.0000000Z" }, scheduledTime: "2026-12-01T05:00:00Z" },
};

describe("factory emulator expressions", () => {
  it("evaluates the definitions' expressions to their values (arrays stay arrays)", () => {
    expect(evaluateString("@pipeline().parameters.folders", scope)).toEqual(scope.pipeline.parameters.folders);
    expect(evaluateString("@item().source", scope)).toBe("raw/sales");
    expect(evaluateString("@item().target", scope)).toBe("");
    expect(evaluateString("@dataset().folderPath", scope)).toBe("raw/sales");
    expect(evaluateString("@trigger().outputs.windowStartTime", scope)).toBe("2026-12-01T00:00:00.0000000Z");
    expect(evaluateString("@subtractFromTime(trigger().scheduledTime, 2, 'Hour')", scope)).toBe("2026-12-01T03:00:00.0000000Z");
    expect(resolveValue({ type: "Expression", value: "@item()['filesystem']" }, scope)).toBe("raw");
    expect(evaluateString("@pipeline().parameters.folders[0].target", scope)).toBe("sales");
  });

  it("interpolates @{...} into strings, keeps literals, unescapes @@", () => {
    expect(evaluateString("logs/@{item().filesystem}/@{item().source}", scope)).toBe("logs/raw/raw/sales");
    expect(evaluateString("plain/path", scope)).toBe("plain/path");
    expect(evaluateString("@@not an expression", scope)).toBe("@not an expression");
    expect(evaluateString("@{'it''s'}", scope)).toBe("it's");
  });

  it("parses into calls and member accesses, not by pattern", () => {
    expect(parseExpression("trigger().outputs['windowStartTime']")).toEqual({
      kind: "member",
      target: { kind: "member", target: { kind: "call", name: "trigger", args: [] }, key: { kind: "literal", value: "outputs" } },
      key: { kind: "literal", value: "windowStartTime" },
    });
  });

  it("refuses what it does not implement or cannot read, naming it", () => {
    expect(() => evaluateString("@concat('a', 'b')", scope)).toThrow(new ExpressionError("function concat() is not supported by the emulator"));
    expect(() => evaluateString("@item().sourse", scope)).toThrow("property 'sourse' doesn't exist");
    expect(() => evaluateString("@item(", scope)).toThrow(ExpressionError);
    expect(() => evaluateString("@item() + 1", scope)).toThrow(/unexpected "\+"/);
    expect(() => evaluateString("@{item().source", scope)).toThrow(/unterminated/);
    expect(() => evaluateString("@trigger().outputs.windowStartTime", { pipeline: scope.pipeline })).toThrow("trigger() is not available here");
    expect(() => evaluateString("@subtractFromTime(trigger().scheduledTime, 1, 'Fortnight')", scope)).toThrow(/unknown time unit "Fortnight"/);
  });
});
