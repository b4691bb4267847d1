/**
 * CloudWatch metric math over aligned time series: each series is one value (or `undefined`
 * for a missing datapoint) per period of the alarm's evaluation range.
 *
 * Supported: numbers, metric ids, `+ - * / ^`, unary minus, comparisons (`< <= > >= == !=`),
 * logical `AND`/`&&`, `OR`/`||`, `NOT`/`!`, arrays `[a, b]`, and the functions IF, FILL
 * (value or REPEAT), SUM, MAX, MIN, AVG (of an array: per timestamp; of one series: over the
 * whole range), ABS, CEIL, FLOOR. Anything else is an error that names it.
 */
export type Series = Array<number | undefined>;

type Node =
  | { kind: 'num'; value: number }
  | { kind: 'id'; name: string }
  | { kind: 'array'; items: Node[] }
  | { kind: 'call'; name: string; args: Node[] }
  | { kind: 'unary'; op: string; operand: Node }
  | { kind: 'binary'; op: string; left: Node; right: Node };

const FUNCTIONS = ['IF', 'FILL', 'SUM', 'MAX', 'MIN', 'AVG', 'ABS', 'CEIL', 'FLOOR'];

class ExpressionParser {
  private pos = 0;
  private readonly tokens: string[];

  constructor(private readonly text: string) {
    const re = /\s*(\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|[A-Za-z_][A-Za-z0-9_]*|<=|>=|==|!=|&&|\|\||[-+*/^()[\],<>!])/y;
    this.tokens = [];
    let index = 0;
    while (index < text.length) {
      if (/^\s*$/.test(text.slice(index))) {
        break;
      }
      re.lastIndex = index;
      const match = re.exec(text);
      if (!match) {
        throw new Error(`metric math '${text}': cannot read '${text.slice(index).trim().slice(0, 20)}'`);
      }
      this.tokens.push(match[1]);
      index = re.lastIndex;
    }
  }

  parse(): Node {
    const node = this.parseOr();
    if (this.pos < this.tokens.length) {
      throw new Error(`metric math '${this.text}': unexpected '${this.tokens[this.pos]}'`);
    }
    return node;
  }

  private peek(): string | undefined {
    return this.tokens[this.pos];
  }

  private take(expected?: string): string {
    const token = this.tokens[this.pos];
    if (token === undefined || (expected !== undefined && token !== expected)) {
      throw new Error(`metric math '${this.text}': expected ${expected ?? 'more'}${token === undefined ? ' at the end' : `, found '${token}'`}`);
    }
    this.pos++;
    return token;
  }

  private binaryLevel(ops: string[], next: () => Node): Node {
    let left = next();
    for (;;) {
      const token = this.peek();
      if (token === undefined || !ops.includes(token.toUpperCase())) {
        return left;
      }
      this.pos++;
      const op = token === '&&' ? 'AND' : token === '||' ? 'OR' : token.toUpperCase();
      left = { kind: 'binary', op, left, right: next() };
    }
  }

  private parseOr(): Node {
    return this.binaryLevel(['OR', '||'], () => this.parseAnd());
  }

  private parseAnd(): Node {
    return this.binaryLevel(['AND', '&&'], () => this.parseNot());
  }

  private parseNot(): Node {
    const token = this.peek();
    if (token === '!' || token?.toUpperCase() === 'NOT') {
      this.pos++;
      return { kind: 'unary', op: 'NOT', operand: this.parseNot() };
    }
    return this.parseComparison();
  }

  private parseComparison(): Node {
    return this.binaryLevel(['<', '<=', '>', '>=', '==', '!='], () => this.parseAdditive());
  }

  private parseAdditive(): Node {
    return this.binaryLevel(['+', '-'], () => this.parseMultiplicative());
  }

  private parseMultiplicative(): Node {
    return this.binaryLevel(['*', '/'], () => this.parsePower());
  }

  private parsePower(): Node {
    const base = this.parseUnary();
    if (this.peek() === '^') {
      this.pos++;
      return { kind: 'binary', op: '^', left: base, right: this.parsePower() };
    }
    return base;
  }

  private parseUnary(): Node {
    if (this.peek() === '-') {
      this.pos++;
      return { kind: 'unary', op: '-', operand: this.parseUnary() };
    }
    if (this.peek() === '+') {
      this.pos++;
      return this.parseUnary();
    }
    return this.parsePrimary();
  }

  private parsePrimary(): Node {
    const token = this.take();
    if (token === '(') {
      const inner = this.parseOr();
      this.take(')');
      return inner;
    }
    if (token === '[') {
      const items: Node[] = [];
      if (this.peek() !== ']') {
        items.push(this.parseOr());
        while (this.peek() === ',') {
          this.pos++;
          items.push(this.parseOr());
        }
      }
      this.take(']');
      return { kind: 'array', items };
    }
    if (/^\d/.test(token)) {
      return { kind: 'num', value: Number(token) };
    }
    if (/^[A-Za-z_]/.test(token)) {
      if (this.peek() === '(') {
        const name = token.toUpperCase();
        if (!FUNCTIONS.includes(name)) {
          throw new Error(`metric math '${this.text}': function ${token} is not supported by the simulator (supported: ${FUNCTIONS.join(', ')})`);
        }
        this.pos++;
        const args: Node[] = [];
        if (this.peek() !== ')') {
          args.push(this.parseOr());
          while (this.peek() === ',') {
            this.pos++;
            args.push(this.parseOr());
          }
        }
        this.take(')');
        return { kind: 'call', name, args };
      }
      return { kind: 'id', name: token };
    }
    throw new Error(`metric math '${this.text}': unexpected '${token}'`);
  }
}

/** A parsed metric-math expression. */
export class MetricMath {
  private readonly root: Node;

  /** Parses the expression; throws an Error naming what it cannot read or evaluate. */
  constructor(readonly expression: string) {
    this.root = new ExpressionParser(expression).parse();
  }

  /** Ids of the metrics and expressions it reads. */
  references(): string[] {
    const out = new Set<string>();
    const walk = (node: Node): void => {
      switch (node.kind) {
        case 'id': out.add(node.name); break;
        case 'array': node.items.forEach(walk); break;
        case 'call': node.args.forEach(walk); break;
        case 'unary': walk(node.operand); break;
        case 'binary': walk(node.left); walk(node.right); break;
        default: break;
      }
    };
    walk(this.root);
    out.delete('REPEAT');
    out.delete('LINEAR');
    return [...out];
  }

  /** Evaluates over `length` aligned periods; `lookup` gives each referenced id's series. */
  evaluate(length: number, lookup: (id: string) => Series): Series {
    const value = this.eval(this.root, length, lookup);
    if (Array.isArray(value) && value.length > 0 && Array.isArray(value[0])) {
      throw new Error(`metric math '${this.expression}': the result is an array of series, not one series`);
    }
    return value as Series;
  }

  private eval(node: Node, length: number, lookup: (id: string) => Series): Series | Series[] {
    const series = (n: Node): Series => {
      const v = this.eval(n, length, lookup);
      if (v.length > 0 && Array.isArray(v[0])) {
        throw new Error(`metric math '${this.expression}': an array is not allowed here`);
      }
      return v as Series;
    };
    switch (node.kind) {
      case 'num':
        return new Array<number | undefined>(length).fill(node.value);
      case 'id': {
        const upper = node.name.toUpperCase();
        if (upper === 'REPEAT' || upper === 'LINEAR') {
          throw new Error(`metric math '${this.expression}': ${node.name} is only valid as FILL's second argument`);
        }
        return lookup(node.name);
      }
      case 'array':
        return node.items.map((item) => series(item));
      case 'unary': {
        const operand = series(node.operand);
        return operand.map((v) => v === undefined ? undefined : node.op === '-' ? -v : (v === 0 ? 1 : 0));
      }
      case 'binary': {
        const left = series(node.left);
        const right = series(node.right);
        return left.map((a, i) => {
          const b = right[i];
          if (a === undefined || b === undefined) {
            return undefined;
          }
          return binary(node.op, a, b);
        });
      }
      case 'call':
        return this.call(node.name, node.args, length, series);
    }
  }

  private call(name: string, args: Node[], length: number, series: (n: Node) => Series): Series {
    const arity = (min: number, max: number): void => {
      if (args.length < min || args.length > max) {
        throw new Error(`metric math '${this.expression}': ${name} takes ${min === max ? min : `${min} to ${max}`} arguments, got ${args.length}`);
      }
    };
    switch (name) {
      case 'IF': {
        arity(2, 3);
        const condition = series(args[0]);
        const then = series(args[1]);
        const otherwise = args[2] ? series(args[2]) : new Array<number | undefined>(length).fill(undefined);
        return condition.map((c, i) => c === undefined ? undefined : c !== 0 ? then[i] : otherwise[i]);
      }
      case 'FILL': {
        arity(2, 2);
        const input = series(args[0]);
        const how = args[1];
        if (how.kind === 'id' && how.name.toUpperCase() === 'REPEAT') {
          let last: number | undefined;
          return input.map((v) => {
            if (v !== undefined) {
              last = v;
            }
            return v ?? last;
          });
        }
        if (how.kind === 'id' && how.name.toUpperCase() === 'LINEAR') {
          throw new Error(`metric math '${this.expression}': FILL(..., LINEAR) is not supported by the simulator`);
        }
        const fill = series(how);
        return input.map((v, i) => v ?? fill[i]);
      }
      case 'ABS':
      case 'CEIL':
      case 'FLOOR': {
        arity(1, 1);
        const fn = name === 'ABS' ? Math.abs : name === 'CEIL' ? Math.ceil : Math.floor;
        return series(args[0]).map((v) => v === undefined ? undefined : fn(v));
      }
      default: {
        arity(1, 1);
        const arg = args[0];
        if (arg.kind === 'array') {
          const members = arg.items.map((item) => series(item));
          return new Array(length).fill(0).map((_z, i) => reduce(name, members.map((m) => m[i])));
        }
        const whole = reduce(name, series(arg));
        return new Array<number | undefined>(length).fill(whole);
      }
    }
  }
}

function binary(op: string, a: number, b: number): number | undefined {
  switch (op) {
    case '+': return a + b;
    case '-': return a - b;
    case '*': return a * b;
    case '/': return b === 0 ? undefined : a / b;
    case '^': return a ** b;
    case '<': return a < b ? 1 : 0;
    case '<=': return a <= b ? 1 : 0;
    case '>': return a > b ? 1 : 0;
    case '>=': return a >= b ? 1 : 0;
    case '==': return a === b ? 1 : 0;
    case '!=': return a !== b ? 1 : 0;
    case 'AND': return a !== 0 && b !== 0 ? 1 : 0;
    case 'OR': return a !== 0 || b !== 0 ? 1 : 0;
    default: throw new Error(`operator ${op} is not supported`);
  }
}

function reduce(name: string, values: Array<number | undefined>): number | undefined {
  const present = values.filter((v): v is number => v !== undefined);
  if (present.length === 0) {
    return undefined;
  }
  switch (name) {
    case 'SUM': return present.reduce((a, b) => a + b, 0);
    case 'MAX': return Math.max(...present);
    case 'MIN': return Math.min(...present);
    case 'AVG': return present.reduce((a, b) => a + b, 0) / present.length;
    default: throw new Error(`function ${name} is not supported`);
  }
}
