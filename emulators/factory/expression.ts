/**
 * The Data Factory expression language, for the subset the project's
 * definitions use: a real tokenizer and recursive-descent parser, then an
 * evaluator over a run's context. Grammar and evaluation rules follow
 * https://learn.microsoft.com/azure/data-factory/control-flow-expression-language-functions
 * ("Expressions"): a JSON string starting with `@` is an expression whose
 * value is the result (any type); `@{...}` inside a string interpolates (the
 * result is always a string); `@@` escapes a literal `@`. Expressions are
 * function calls, literals ('string' with '' as the quote escape, numbers,
 * true/false) and property access with `.name` or `['name']`/`[index]`.
 * Anything else is an ExpressionError naming what was not understood.
 */

export class ExpressionError extends Error {}

type Token =
  | { kind: "ident"; text: string; at: number }
  | { kind: "string"; value: string; at: number }
  | { kind: "number"; value: number; at: number }
  | { kind: "punct"; text: "(" | ")" | "," | "." | "[" | "]"; at: number };

export type Ast =
  | { kind: "literal"; value: Value }
  | { kind: "call"; name: string; args: Ast[] }
  | { kind: "member"; target: Ast; key: Ast };

export type Value = string | number | boolean | null | Value[] | { [key: string]: Value };

export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (/\s/.test(c)) {
      i++;
    } else if ("(),.[]".includes(c)) {
      tokens.push({ kind: "punct", text: c as "(", at: i });
      i++;
    } else if (c === "'") {
      let value = "";
      let j = i + 1;
      for (;;) {
        if (j >= text.length) throw new ExpressionError(`unterminated string literal at ${i} in "${text}"`);
        if (text[j] === "'" && text[j + 1] === "'") {
          value += "'";
          j += 2;
        } else if (text[j] === "'") break;
        else value += text[j++];
      }
      tokens.push({ kind: "string", value, at: i });
      i = j + 1;
    } else if (/[0-9-]/.test(c)) {
      const m = /^-?[0-9]+(\.[0-9]+)?/.exec(text.slice(i));
      if (!m) throw new ExpressionError(`unexpected "${c}" at ${i} in "${text}"`);
      tokens.push({ kind: "number", value: Number(m[0]), at: i });
      i += m[0].length;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i))!;
      tokens.push({ kind: "ident", text: m[0], at: i });
      i += m[0].length;
    } else {
      throw new ExpressionError(`unexpected "${c}" at ${i} in "${text}"`);
    }
  }
  return tokens;
}

/** Parses one expression (the text after `@`, or inside `@{...}`). */
export function parseExpression(text: string): Ast {
  const tokens = tokenize(text);
  let pos = 0;
  const peek = () => tokens[pos];
  const fail = (what: string): never => {
    throw new ExpressionError(`${what} in expression "${text}"`);
  };
  const expect = (p: string) => {
    const t = tokens[pos];
    if (!t || t.kind !== "punct" || t.text !== p) fail(`expected "${p}" at ${t ? t.at : "end"}`);
    pos++;
  };

  function primary(): Ast {
    const t = tokens[pos++];
    if (!t) return fail("unexpected end");
    if (t.kind === "string" || t.kind === "number") return { kind: "literal", value: t.value };
    if (t.kind === "ident") {
      if (t.text === "true" || t.text === "false") return { kind: "literal", value: t.text === "true" };
      expect("(");
      const args: Ast[] = [];
      const next = peek();
      if (next && next.kind === "punct" && next.text === ")") pos++;
      else {
        for (;;) {
          args.push(postfix());
          const sep = tokens[pos++];
          if (sep?.kind === "punct" && sep.text === ")") break;
          if (!(sep?.kind === "punct" && sep.text === ",")) fail(`expected "," or ")" after an argument of ${t.text}()`);
        }
      }
      return { kind: "call", name: t.text, args };
    }
    return fail(`unexpected "${t.text}" at ${t.at}`);
  }

  function postfix(): Ast {
    let node = primary();
    for (;;) {
      const t = peek();
      if (t?.kind === "punct" && t.text === ".") {
        pos++;
        const name = tokens[pos++];
        if (name?.kind !== "ident") fail(`expected a property name after "."`);
        node = { kind: "member", target: node, key: { kind: "literal", value: (name as { text: string }).text } };
      } else if (t?.kind === "punct" && t.text === "[") {
        pos++;
        const key = postfix();
        expect("]");
        node = { kind: "member", target: node, key };
      } else return node;
    }
  }

  const ast = postfix();
  if (pos < tokens.length) fail(`unexpected text after the expression at ${tokens[pos].at}`);
  return ast;
}

/** What `pipeline()`, `item()`, `dataset()` and `trigger()` return in the current scope; absent means not in scope. */
export interface Scope {
  pipeline?: { [key: string]: Value };
  item?: Value;
  dataset?: { [key: string]: Value };
  trigger?: { [key: string]: Value };
}

type Fn = (args: Value[], scope: Scope) => Value;

const TIME_UNITS: Record<string, (d: Date, n: number) => void> = {
  Second: (d, n) => d.setUTCSeconds(d.getUTCSeconds() - n),
  Minute: (d, n) => d.setUTCMinutes(d.getUTCMinutes() - n),
  Hour: (d, n) => d.setUTCHours(d.getUTCHours() - n),
  Day: (d, n) => d.setUTCDate(d.getUTCDate() - n),
  Week: (d, n) => d.setUTCDate(d.getUTCDate() - 7 * n),
  Month: (d, n) => d.setUTCMonth(d.getUTCMonth() - n),
  Year: (d, n) => d.setUTCFullYear(d.getUTCFullYear() - n),
};

/** ISO 8601 "o" format as ADF prints it (seven fractional digits, Z). */
export function formatRoundTrip(d: Date): string {
  return `${d.toISOString().slice(0, 19)}.${String(d.getUTCMilliseconds()).padStart(3, "0")}0000Z`;
}

const scoped = (name: keyof Scope): Fn => (args, scope) => {
  if (args.length !== 0) throw new ExpressionError(`${name}() takes no arguments`);
  const v = scope[name];
  if (v === undefined) throw new ExpressionError(`${name}() is not available here`);
  return v;
};

/** Milliseconds from 0001-01-01T00:00:00Z (the .NET ticks epoch ticks() counts from) to 1970-01-01. */
const TICKS_EPOCH_OFFSET_MS = 62_135_596_800_000;

/**
 * Only the functions the project's definitions use; any other name fails the run.
 * Semantics per learn.microsoft.com/azure/data-factory/control-flow-expression-language-functions.
 */
const FUNCTIONS: Record<string, Fn> = {
  pipeline: scoped("pipeline"),
  item: scoped("item"),
  dataset: scoped("dataset"),
  trigger: scoped("trigger"),
  // subtractFromTime(timestamp, interval, timeUnit): units as in the function reference.
  subtractFromTime: (args) => {
    const [ts, n, unit] = args;
    if (args.length !== 3 || typeof ts !== "string" || typeof n !== "number" || typeof unit !== "string") {
      throw new ExpressionError("subtractFromTime(timestamp, interval, timeUnit) expects (string, integer, string)");
    }
    const d = new Date(ts);
    if (Number.isNaN(d.getTime())) throw new ExpressionError(`subtractFromTime: "${ts}" is not a timestamp`);
    const apply = TIME_UNITS[unit];
    if (!apply) throw new ExpressionError(`subtractFromTime: unknown time unit "${unit}"`);
    apply(d, n);
    return formatRoundTrip(d);
  },
  // if(expression, valueIfTrue, valueIfFalse): the condition must be a boolean.
  if: (args) => {
    if (args.length !== 3 || typeof args[0] !== "boolean") throw new ExpressionError("if(expression, valueIfTrue, valueIfFalse) expects a boolean first");
    return args[0] ? args[1] : args[2];
  },
  // less(value, compareTo): numbers or strings of the same type.
  less: (args) => {
    const [a, b] = args;
    if (args.length !== 2 || typeof a !== typeof b || (typeof a !== "number" && typeof a !== "string")) {
      throw new ExpressionError("less(value, compareTo) expects two numbers or two strings");
    }
    return (a as number | string) < (b as number | string);
  },
  // ticks(timestamp): 100-nanosecond intervals since 0001-01-01T00:00:00Z. A
  // double keeps about 13 µs of it at today's dates, enough for less().
  ticks: (args) => {
    const [ts] = args;
    if (args.length !== 1 || typeof ts !== "string") throw new ExpressionError("ticks(timestamp) expects a string");
    const ms = Date.parse(ts);
    if (Number.isNaN(ms)) throw new ExpressionError(`ticks: "${ts}" is not a timestamp`);
    return (ms + TICKS_EPOCH_OFFSET_MS) * 10_000;
  },
};

export function evaluate(ast: Ast, scope: Scope): Value {
  switch (ast.kind) {
    case "literal":
      return ast.value;
    case "call": {
      const fn = FUNCTIONS[ast.name];
      if (!fn) throw new ExpressionError(`function ${ast.name}() is not supported by the emulator`);
      return fn(
        ast.args.map((a) => evaluate(a, scope)),
        scope,
      );
    }
    case "member": {
      const target = evaluate(ast.target, scope);
      const key = evaluate(ast.key, scope);
      if (Array.isArray(target) && typeof key === "number") {
        if (key < 0 || key >= target.length) throw new ExpressionError(`index ${key} is out of range (${target.length} items)`);
        return target[key];
      }
      if (target !== null && typeof target === "object" && !Array.isArray(target) && typeof key === "string") {
        // ADF fails an expression that reads a property the object does not have.
        if (!Object.prototype.hasOwnProperty.call(target, key)) throw new ExpressionError(`property '${key}' doesn't exist`);
        return target[key];
      }
      throw new ExpressionError(`cannot read ${JSON.stringify(key)} of ${JSON.stringify(target)}`);
    }
  }
}

/** Evaluates a JSON string value: `@expr`, a template with `@{...}`, or a literal (with `@@` unescaped). */
export function evaluateString(text: string, scope: Scope): Value {
  if (text.startsWith("@@")) return text.slice(1);
  if (text.startsWith("@") && !text.startsWith("@{")) return evaluate(parseExpression(text.slice(1)), scope);
  if (!text.includes("@{")) return text;
  let out = "";
  let i = 0;
  while (i < text.length) {
    const open = text.indexOf("@{", i);
    if (open === -1) {
      out += text.slice(i);
      break;
    }
    out += text.slice(i, open);
    const close = closingBrace(text, open + 2);
    const v = evaluate(parseExpression(text.slice(open + 2, close)), scope);
    out += typeof v === "string" ? v : JSON.stringify(v);
    i = close + 1;
  }
  return out;
}

/** Index of the `}` closing an interpolation, skipping braces inside string literals. */
function closingBrace(text: string, from: number): number {
  let inString = false;
  for (let j = from; j < text.length; j++) {
    if (text[j] === "'") inString = !inString;
    else if (text[j] === "}" && !inString) return j;
  }
  throw new ExpressionError(`unterminated "@{" in "${text}"`);
}

/**
 * A property value as the service reads it: `{type: "Expression", value}`
 * objects and strings are evaluated; other JSON is taken literally.
 */
export function resolveValue(v: unknown, scope: Scope): Value {
  if (typeof v === "string") return evaluateString(v, scope);
  if (v !== null && typeof v === "object" && !Array.isArray(v) && (v as { type?: unknown }).type === "Expression") {
    const { value, ...rest } = v as { type: string; value?: unknown };
    const extra = Object.keys(rest).filter((k) => k !== "type");
    if (typeof value !== "string" || extra.length > 0) throw new ExpressionError(`malformed Expression object ${JSON.stringify(v)}`);
    return evaluateString(value, scope);
  }
  return v as Value;
}
