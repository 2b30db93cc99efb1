import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Engine } from 'json-rules-engine';
import type { FactValue } from '../../src/facts/fact.js';
import { compileCondition, conditionFacts, decidingLeaves, resolveParams, type Lookup3 } from '../../src/rules/conditions.js';
import { OPERATORS, type Condition } from '../../src/rules/rule.js';

const facts: Record<string, FactValue> = { 'a.n': 5, 'a.s': 'D', 'a.list': ['cmdline', 'environ'], 'a.none': null, 'a.limit': 4 };
const lookup: Lookup3 = (name) => (name in facts ? { known: true, value: facts[name]! } : { known: false });

describe('compiled conditions agree with json-rules-engine', () => {
  const cases: { name: string; condition: Condition }[] = [];
  // The values the rule schema allows for each operator (schemas/rule.schema.json, definitions.leaf).
  const scalars: FactValue[] = [5, 4, 6, 'D', 'S', null, 'cmdline', true];
  const allowed: Record<string, FactValue[]> = {
    equal: scalars, notEqual: scalars, contains: scalars, doesNotContain: scalars,
    lessThan: [4, 5, 6], lessThanInclusive: [4, 5, 6], greaterThan: [4, 5, 6], greaterThanInclusive: [4, 5, 6],
    in: [['D', 'R'], [5], [], ['cmdline']], notIn: [['D', 'R'], [5], [], ['cmdline']],
  };
  for (const operator of OPERATORS) {
    for (const fact of Object.keys(facts)) {
      for (const value of allowed[operator]!) cases.push({ name: `${fact} ${operator} ${JSON.stringify(value)}`, condition: { all: [{ fact, operator, value }] } });
    }
  }
  cases.push({ name: 'fact as threshold', condition: { all: [{ fact: 'a.n', operator: 'greaterThan', value: { fact: 'a.limit' } }] } });
  cases.push({ name: 'nested any/not', condition: { any: [{ not: { fact: 'a.n', operator: 'equal', value: 5 } }, { all: [{ fact: 'a.s', operator: 'in', value: ['D', 'R'] }] }] } });

  for (const c of cases) {
    it(c.name, async () => {
      const engine = new Engine([], { allowUndefinedFacts: false });
      engine.addRule({ name: 'r', conditions: c.condition as never, event: { type: 'fired' } });
      const { events } = await engine.run({ ...facts });
      assert.equal(compileCondition(c.condition)(lookup), events.length === 1);
    });
  }
});

describe('conditionFacts', () => {
  it('lists facts used as values and thresholds', () => {
    assert.deepEqual(conditionFacts({ all: [{ fact: 'x', operator: 'equal', value: { fact: 'y' } }, { not: { fact: 'z', operator: 'equal', value: 1 } }] }), ['x', 'y', 'z']);
  });
});

describe('decidingLeaves', () => {
  it('keeps the held leaves of any, and the false leaves under not', () => {
    const c: Condition = {
      all: [
        { any: [{ fact: 'a.n', operator: 'equal', value: 5 }, { fact: 'a.n', operator: 'equal', value: 6 }] },
        { not: { fact: 'a.s', operator: 'equal', value: 'Z' } },
      ],
    };
    const leaves = decidingLeaves(c, lookup).map((l) => ({ fact: l.leaf.fact, value: l.leaf.value, held: l.held, negated: l.negated }));
    assert.deepEqual(leaves, [
      { fact: 'a.n', value: 5, held: true, negated: false },
      { fact: 'a.s', value: 'Z', held: false, negated: true },
    ]);
  });
});

describe('unknown facts (three-valued logic)', () => {
  const gt = (fact: string, value: number): Condition => ({ fact, operator: 'greaterThan', value });
  const cases: { name: string; condition: Condition; want: boolean | null }[] = [
    { name: 'an unknown leaf is undecided', condition: { all: [gt('x.unknown', 1)] }, want: null },
    { name: 'any: a true branch decides despite an unknown one', condition: { any: [gt('x.unknown', 1), gt('a.n', 1)] }, want: true },
    { name: 'any: false and unknown stay undecided', condition: { any: [gt('x.unknown', 1), gt('a.n', 9)] }, want: null },
    { name: 'all: a false branch decides despite an unknown one', condition: { all: [gt('x.unknown', 1), gt('a.n', 9)] }, want: false },
    { name: 'all: true and unknown stay undecided', condition: { all: [gt('x.unknown', 1), gt('a.n', 1)] }, want: null },
    { name: 'not of unknown is unknown', condition: { not: gt('x.unknown', 1) }, want: null },
    { name: 'an unknown threshold fact is undecided', condition: { all: [{ fact: 'a.n', operator: 'greaterThan', value: { fact: 'x.unknown' } }] }, want: null },
  ];
  for (const c of cases) it(c.name, () => assert.equal(compileCondition(c.condition)(lookup), c.want));

  it('evidence leaves out leaves whose facts are unknown', () => {
    const leaves = decidingLeaves({ any: [gt('x.unknown', 1), gt('a.n', 1)] }, lookup);
    assert.deepEqual(leaves.map((l) => l.leaf.fact), ['a.n']);
  });
});

describe('resolveParams', () => {
  it('replaces each { param } with its value, so the engine and the predicates see plain values', () => {
    const { condition, problems } = resolveParams(
      { all: [{ fact: 'a.n', operator: 'greaterThan', value: { param: 'min' } }, { not: { fact: 'a.s', operator: 'in', value: { param: 'states' } } }, { fact: 'a.n', operator: 'lessThan', value: { fact: 'a.limit' } }] },
      { min: 4, states: ['S', 'R'] },
    );
    assert.deepEqual(problems, []);
    assert.deepEqual(condition, {
      all: [
        { fact: 'a.n', operator: 'greaterThan', value: 4, param: 'min' },
        { not: { fact: 'a.s', operator: 'in', value: ['S', 'R'], param: 'states' } },
        { fact: 'a.n', operator: 'lessThan', value: { fact: 'a.limit' } },
      ],
    });
    assert.equal(compileCondition(condition)(lookup), false);
  });

  it('an unknown param is a problem at the reference; a value of the wrong kind, at the param', () => {
    const { problems } = resolveParams(
      { any: [{ fact: 'a.n', operator: 'greaterThan', value: { param: 'mni' } }, { fact: 'a.n', operator: 'greaterThan', value: { param: 'min' } }, { fact: 'a.s', operator: 'in', value: { param: 'min' } }] },
      { min: '4' },
    );
    assert.deepEqual(problems, [
      { pointer: '/conditions/any/0/value/param', message: "unknown param 'mni' (did you mean 'min'?) (this rule's params: min)" },
      { pointer: '/params/min', message: 'a.n greaterThan needs a number, not "4" (at conditions.any[1])' },
      { pointer: '/params/min', message: 'a.s in needs a list, not "4" (at conditions.any[2])' },
    ]);
  });

  it('does not read inherited properties as params', () => {
    const { problems } = resolveParams({ fact: 'a.n', operator: 'equal', value: { param: 'constructor' } }, {});
    assert.deepEqual(problems, [{ pointer: '/conditions/value/param', message: "unknown param 'constructor' (this rule has no params)" }]);
  });
});
