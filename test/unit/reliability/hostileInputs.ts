/** Hostile inputs shared by the unit tests and the fault-injection suite (test/faults). */

/** Hostile experiment files: every JSON type at the top level, huge and non-finite numbers, deep nesting. */
export const HOSTILE_EXPERIMENTS: [string, string, RegExp][] = [
  ['null', 'null', /holds null; an experiment file is a JSON object/],
  ['a number', '42', /holds a number; an experiment file is a JSON object/],
  ['an array', '[]', /holds an array/],
  ['a string', '"quick"', /holds a string/],
  ['a boolean', 'true', /holds a boolean/],
  ['a huge number', '{"epochs": 1e400}', /"epochs" must be an integer from 1 to 10000/],
  ['a huge width', '{"featureSize": 1024}', /"featureSize" must be an integer from 1 to 256, not 1024/],
  ['a tiny learning rate', '{"learningRate": -1e-400}', /"learningRate" must be greater than 0/],
  ['deep nesting', `{"name": ${'['.repeat(100000)}${']'.repeat(100000)}}`, /"name" must be a non-empty string|not valid JSON/],
  ['a prototype key', '{"__proto__": {"epochs": 1}, "constructor": 1}', /Unknown setting "(__proto__|constructor)"/],
  ['not JSON', '{"epochs": NaN}', /not valid JSON/],
];
