/**
 * A small evaluator of CloudWatch metric math, for tests that evaluate synthesized alarm
 * expressions on datapoints instead of comparing their text.
 *
 * It evaluates one timestamp at a time. A value is a number or `undefined` (no datapoint at
 * that timestamp). The semantics follow CloudWatch's documentation as far as these tests need:
 * - `FILL(x, v)`: `v` where `x` has no datapoint.
 * - `SUM`, `MAX`, `MIN`, `AVG` of an array `[a, b, ...]`: over the values that exist; no value
 *   when none exists. Of a single series: that value (one timestamp).
 * - `IF(c, a, b)`: `a` where `c` is non-zero, else `b`; no value where `c` has none.
 *   `IF(c, a)` has no value where `c` is zero.
 * - Arithmetic and comparisons (`>=`, `<=`, `>`, `<`, `==`, `!=`, returning 1 or 0) have no
 *   value when an operand has none; division by zero has no value.
 * - `AND`/`&&`, `OR`/`||`, `NOT`/`!` return 1 or 0.
 * Any other function is an error naming it, so an expression using something this evaluator does
 * not model fails loudly instead of being approximated.
 */

export type Value = number | undefined;
type Operand = Value | Value[];

type Token =
  | { kind: 'number'; value: number }
  | { kind: 'name'; value: string }
  | { kind: 'op'; value: string };

const OPERATORS = ['>=', '<=', '==', '!=', '&&', '||', '>', '<', '+', '-', '*', '/', '^', '(', ')', '[', ']', ',', '!'];

function tokenize(expression: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < expression.length) {
    const c = expression[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const number = /^\d+(\.\d+)?([eE][-+]?\d+)?/.exec(expression.slice(i));
    if (number) {
      tokens.push({ kind: 'number', value: Number(number[0]) });
      i += number[0].length;
      continue;
    }
    const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(expression.slice(i));
    if (name) {
      tokens.push({ kind: 'name', value: name[0] });
      i += name[0].length;
      continue;
    }
    const op = OPERATORS.find((candidate) => expression.startsWith(candidate, i));
    if (!op) {
      throw new Error(`metric math: unexpected character '${c}' at ${i} in ${expression}`);
    }
    tokens.push({ kind: 'op', value: op });
    i += op.length;
  }
  return tokens;
}

/** Resolves an id in an expression to the value of that query at the timestamp. */
export type Lookup = (id: string) => Value;

function scalar(operand: Operand, what: string): Value {
  if (Array.isArray(operand)) {
    throw new Error(`metric math: ${what} takes a single value, not an array`);
  }
  return operand;
}

function both(a: Operand, b: Operand, what: string, f: (x: number, y: number) => Value): Value {
  const x = scalar(a, what);
  const y = scalar(b, what);
  return x === undefined || y === undefined ? undefined : f(x, y);
}

function aggregate(args: Operand[], name: string, f: (values: number[]) => number): Value {
  if (args.length !== 1) {
    throw new Error(`metric math: ${name} takes one argument, got ${args.length}`);
  }
  const values = (Array.isArray(args[0]) ? args[0] : [args[0]]).filter((v): v is number => v !== undefined);
  return values.length === 0 ? undefined : f(values);
}

const FUNCTIONS: Record<string, (args: Operand[]) => Operand> = {
  IF: (args) => {
    if (args.length !== 2 && args.length !== 3) {
      throw new Error(`metric math: IF takes 2 or 3 arguments, got ${args.length}`);
    }
    const condition = scalar(args[0], 'IF');
    if (condition === undefined) {
      return undefined;
    }
    return condition !== 0 ? scalar(args[1], 'IF') : args.length === 3 ? scalar(args[2], 'IF') : undefined;
  },
  FILL: (args) => {
    if (args.length !== 2) {
      throw new Error(`metric math: FILL takes 2 arguments, got ${args.length}`);
    }
    const fill = scalar(args[1], 'FILL');
    if (Array.isArray(args[0])) {
      return args[0].map((value) => value ?? fill);
    }
    return args[0] ?? fill;
  },
  SUM: (args) => aggregate(args, 'SUM', (values) => values.reduce((a, b) => a + b, 0)),
  MAX: (args) => aggregate(args, 'MAX', (values) => Math.max(...values)),
  MIN: (args) => aggregate(args, 'MIN', (values) => Math.min(...values)),
  AVG: (args) => aggregate(args, 'AVG', (values) => values.reduce((a, b) => a + b, 0) / values.length),
};

class Parser {
  private position = 0;
  constructor(private readonly tokens: Token[], private readonly lookup: Lookup, private readonly source: string) {}

  parse(): Operand {
    const value = this.or();
    if (this.position < this.tokens.length) {
      throw new Error(`metric math: unexpected '${this.describe(this.tokens[this.position])}' in ${this.source}`);
    }
    return value;
  }

  private describe(token: Token | undefined): string {
    return token === undefined ? 'end of expression' : String(token.value);
  }

  private peekOp(...ops: string[]): string | undefined {
    const token = this.tokens[this.position];
    if (token && ((token.kind === 'op' && ops.includes(token.value)) || (token.kind === 'name' && ops.includes(token.value)))) {
      return String(token.value);
    }
    return undefined;
  }

  private expect(op: string): void {
    const token = this.tokens[this.position];
    if (!token || token.kind !== 'op' || token.value !== op) {
      throw new Error(`metric math: expected '${op}' but found '${this.describe(token)}' in ${this.source}`);
    }
    this.position++;
  }

  private or(): Operand {
    let left = this.and();
    while (this.peekOp('||', 'OR')) {
      this.position++;
      const right = this.and();
      left = both(left, right, 'OR', (x, y) => (x !== 0 || y !== 0 ? 1 : 0));
    }
    return left;
  }

  private and(): Operand {
    let left = this.comparison();
    while (this.peekOp('&&', 'AND')) {
      this.position++;
      const right = this.comparison();
      left = both(left, right, 'AND', (x, y) => (x !== 0 && y !== 0 ? 1 : 0));
    }
    return left;
  }

  private comparison(): Operand {
    let left = this.additive();
    for (let op = this.peekOp('>=', '<=', '==', '!=', '>', '<'); op; op = this.peekOp('>=', '<=', '==', '!=', '>', '<')) {
      this.position++;
      const right = this.additive();
      const compare: Record<string, (x: number, y: number) => boolean> = {
        '>=': (x, y) => x >= y, '<=': (x, y) => x <= y, '==': (x, y) => x === y,
        '!=': (x, y) => x !== y, '>': (x, y) => x > y, '<': (x, y) => x < y,
      };
      const f = compare[op];
      left = both(left, right, op, (x, y) => (f(x, y) ? 1 : 0));
    }
    return left;
  }

  private additive(): Operand {
    let left = this.multiplicative();
    for (let op = this.peekOp('+', '-'); op; op = this.peekOp('+', '-')) {
      this.position++;
      const right = this.multiplicative();
      left = both(left, right, op, op === '+' ? (x, y) => x + y : (x, y) => x - y);
    }
    return left;
  }

  private multiplicative(): Operand {
    let left = this.unary();
    for (let op = this.peekOp('*', '/'); op; op = this.peekOp('*', '/')) {
      this.position++;
      const right = this.unary();
      left = both(left, right, op, op === '*' ? (x, y) => x * y : (x, y) => (y === 0 ? undefined : x / y));
    }
    return left;
  }

  private unary(): Operand {
    if (this.peekOp('-')) {
      this.position++;
      const value = scalar(this.unary(), 'unary minus');
      return value === undefined ? undefined : -value;
    }
    if (this.peekOp('!', 'NOT')) {
      this.position++;
      const value = scalar(this.unary(), 'NOT');
      return value === undefined ? undefined : value === 0 ? 1 : 0;
    }
    return this.power();
  }

  private power(): Operand {
    const base = this.primary();
    if (this.peekOp('^')) {
      this.position++;
      const exponent = this.unary();
      return both(base, exponent, '^', (x, y) => x ** y);
    }
    return base;
  }

  private primary(): Operand {
    const token = this.tokens[this.position];
    if (!token) {
      throw new Error(`metric math: unexpected end of ${this.source}`);
    }
    if (token.kind === 'number') {
      this.position++;
      return token.value;
    }
    if (token.kind === 'op' && token.value === '(') {
      this.position++;
      const value = this.or();
      this.expect(')');
      return value;
    }
    if (token.kind === 'op' && token.value === '[') {
      this.position++;
      const items: Value[] = [];
      if (!this.peekOp(']')) {
        do {
          items.push(scalar(this.or(), 'an array element'));
        } while (this.peekOp(',') && ++this.position);
      }
      this.expect(']');
      return items;
    }
    if (token.kind === 'name') {
      this.position++;
      if (this.peekOp('(')) {
        const fn = FUNCTIONS[token.value];
        if (!fn) {
          throw new Error(`metric math: unknown function ${token.value} in ${this.source}`);
        }
        this.position++;
        const args: Operand[] = [];
        if (!this.peekOp(')')) {
          do {
            args.push(this.or());
          } while (this.peekOp(',') && ++this.position);
        }
        this.expect(')');
        return fn(args);
      }
      return this.lookup(token.value);
    }
    throw new Error(`metric math: unexpected '${token.value}' in ${this.source}`);
  }
}

/** Evaluates one expression at one timestamp. */
export function evaluateExpression(expression: string, lookup: Lookup): Value {
  const result = new Parser(tokenize(expression), lookup, expression).parse();
  if (Array.isArray(result)) {
    throw new Error(`metric math: ${expression} is an array, an alarm needs a single value`);
  }
  return result;
}

/** A query of an alarm's `Metrics` array as CloudFormation renders it. */
export interface MetricQuery {
  readonly Id: string;
  readonly Expression?: string;
  readonly MetricStat?: { Metric: { MetricName: string; Namespace: string; Dimensions?: Array<{ Name: string; Value: unknown }> }; Stat: string; Period: number };
  readonly ReturnData?: boolean;
}

/**
 * Evaluates the query an alarm watches (the one with `ReturnData` true, or the only one) at one
 * timestamp. `datapoint` gives the value of each metric query (undefined: no datapoint);
 * expressions may refer to other expressions.
 */
export function evaluateAlarmQueries(queries: MetricQuery[], datapoint: (query: MetricQuery) => Value): Value {
  const byId = new Map(queries.map((query) => [query.Id, query]));
  const returned = queries.filter((query) => query.ReturnData !== false);
  if (returned.length !== 1) {
    throw new Error(`metric math: an alarm returns exactly one query, found ${returned.length}`);
  }
  const visiting = new Set<string>();
  const valueOf = (id: string): Value => {
    const query = byId.get(id);
    if (!query) {
      throw new Error(`metric math: unknown id ${id}`);
    }
    if (query.Expression === undefined) {
      return datapoint(query);
    }
    if (visiting.has(id)) {
      throw new Error(`metric math: cycle through ${id}`);
    }
    visiting.add(id);
    const value = evaluateExpression(query.Expression, valueOf);
    visiting.delete(id);
    return value;
  };
  return valueOf(returned[0].Id);
}
