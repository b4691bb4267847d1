/**
 * Parser and evaluator for CloudWatch composite alarm rules.
 *
 * Grammar (keywords are upper case, as CloudWatch writes them):
 *
 *   rule    := or
 *   or      := and ( 'OR' and )*
 *   and     := not ( 'AND' not )*
 *   not     := 'NOT' not | primary
 *   primary := '(' rule ')' | 'TRUE' | 'FALSE' | state '(' ref ')'
 *   state   := 'ALARM' | 'OK' | 'INSUFFICIENT_DATA'
 *   ref     := '"' any characters except '"' '"' | bare text up to ')' (trimmed)
 *
 * Precedence: NOT binds tightest, then AND, then OR, so `A OR B AND NOT C` reads as
 * `A OR (B AND (NOT C))`. aws-cdk-lib always parenthesises, so this only matters for
 * hand-written rules.
 */

export type AlarmStateValue = 'ALARM' | 'OK' | 'INSUFFICIENT_DATA';

export type RuleNode =
  | { kind: 'state'; state: AlarmStateValue; alarm: string }
  | { kind: 'const'; value: boolean }
  | { kind: 'not'; operand: RuleNode }
  | { kind: 'and' | 'or'; operands: RuleNode[] };

const STATES: readonly string[] = ['ALARM', 'OK', 'INSUFFICIENT_DATA'];

class RuleParser {
  private pos = 0;

  constructor(private readonly text: string) {}

  parse(): RuleNode {
    const node = this.parseOr();
    this.skipSpace();
    if (this.pos < this.text.length) {
      this.fail(`unexpected '${this.text[this.pos]}'`);
    }
    return node;
  }

  private parseOr(): RuleNode {
    const operands = [this.parseAnd()];
    while (this.acceptKeyword('OR')) {
      operands.push(this.parseAnd());
    }
    return operands.length === 1 ? operands[0] : { kind: 'or', operands };
  }

  private parseAnd(): RuleNode {
    const operands = [this.parseNot()];
    while (this.acceptKeyword('AND')) {
      operands.push(this.parseNot());
    }
    return operands.length === 1 ? operands[0] : { kind: 'and', operands };
  }

  private parseNot(): RuleNode {
    if (this.acceptKeyword('NOT')) {
      return { kind: 'not', operand: this.parseNot() };
    }
    return this.parsePrimary();
  }

  private parsePrimary(): RuleNode {
    this.skipSpace();
    if (this.pos >= this.text.length) {
      this.fail('unexpected end of rule, expected an operand');
    }
    if (this.text[this.pos] === '(') {
      this.pos++;
      const inner = this.parseOr();
      this.expect(')');
      return inner;
    }
    const start = this.pos;
    const word = this.readWord();
    if (word === 'TRUE' || word === 'FALSE') {
      return { kind: 'const', value: word === 'TRUE' };
    }
    if (STATES.includes(word)) {
      this.expect('(');
      const alarm = this.readReference();
      this.expect(')');
      return { kind: 'state', state: word as AlarmStateValue, alarm };
    }
    this.pos = start;
    return this.fail(word ? `unknown keyword '${word}'` : `unexpected '${this.text[this.pos]}'`);
  }

  private readReference(): string {
    this.skipSpace();
    if (this.text[this.pos] === '"') {
      const close = this.text.indexOf('"', this.pos + 1);
      if (close < 0) {
        this.fail('unterminated quoted alarm name');
      }
      const ref = this.text.slice(this.pos + 1, close);
      if (ref.length === 0) {
        this.fail('empty alarm name');
      }
      this.pos = close + 1;
      return ref;
    }
    const close = this.text.indexOf(')', this.pos);
    if (close < 0) {
      this.fail("missing ')' after alarm name");
    }
    const ref = this.text.slice(this.pos, close).trim();
    if (ref.length === 0) {
      this.fail('empty alarm name');
    }
    if (/["(]/.test(ref)) {
      this.fail('alarm names containing quotes or parentheses must be quoted');
    }
    this.pos = close;
    return ref;
  }

  private readWord(): string {
    const match = /^[A-Za-z_]+/.exec(this.text.slice(this.pos));
    if (!match) {
      return '';
    }
    this.pos += match[0].length;
    return match[0];
  }

  private acceptKeyword(keyword: string): boolean {
    this.skipSpace();
    if (!this.text.startsWith(keyword, this.pos)) {
      return false;
    }
    const next = this.text[this.pos + keyword.length];
    if (next !== undefined && /[A-Za-z0-9_]/.test(next)) {
      return false;
    }
    this.pos += keyword.length;
    return true;
  }

  private expect(char: string): void {
    this.skipSpace();
    if (this.text[this.pos] !== char) {
      this.fail(`expected '${char}'`);
    }
    this.pos++;
  }

  private skipSpace(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos])) {
      this.pos++;
    }
  }

  private fail(message: string): never {
    throw new Error(`Invalid alarm rule at position ${this.pos}: ${message}`);
  }
}

/** Parses a composite alarm rule; throws an Error naming the position of the first problem. */
export function parseAlarmRule(rule: string): RuleNode {
  if (typeof rule !== 'string') {
    throw new Error('Invalid alarm rule at position 0: rule is not a string');
  }
  return new RuleParser(rule).parse();
}

/** Evaluates a parsed rule against the current state of each referenced alarm. */
export function evaluateAlarmRule(node: RuleNode, stateOf: (alarm: string) => AlarmStateValue): boolean {
  switch (node.kind) {
    case 'state':
      return stateOf(node.alarm) === node.state;
    case 'const':
      return node.value;
    case 'not':
      return !evaluateAlarmRule(node.operand, stateOf);
    case 'and':
      return node.operands.every((operand) => evaluateAlarmRule(operand, stateOf));
    case 'or':
      return node.operands.some((operand) => evaluateAlarmRule(operand, stateOf));
  }
}

function collect(node: RuleNode, negations: number, out: string[], positiveOnly: boolean): void {
  switch (node.kind) {
    case 'state':
      if (!positiveOnly || (node.state === 'ALARM' && negations % 2 === 0)) {
        if (!out.includes(node.alarm)) {
          out.push(node.alarm);
        }
      }
      return;
    case 'const':
      return;
    case 'not':
      collect(node.operand, negations + 1, out, positiveOnly);
      return;
    case 'and':
    case 'or':
      for (const operand of node.operands) {
        collect(operand, negations, out, positiveOnly);
      }
  }
}

/** Every alarm referenced by the rule, in order of appearance, without duplicates. */
export function alarmReferences(node: RuleNode): string[] {
  const out: string[] = [];
  collect(node, 0, out, false);
  return out;
}

/** Alarms referenced as `ALARM(x)` under an even number of NOTs, in order, without duplicates. */
export function positiveAlarmReferences(node: RuleNode): string[] {
  const out: string[] = [];
  collect(node, 0, out, true);
  return out;
}

/** Turns an alarm ARN (`arn:...:alarm:Name`) into the alarm name; plain names are returned unchanged. */
export function alarmNameFromReference(ref: string): string {
  const match = /^arn:[^:]+:cloudwatch:[^:]*:[^:]*:alarm:(.+)$/.exec(ref);
  return match ? match[1] : ref;
}
